package dev.wasisockets.core.events;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Frequency;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/**
 * A guest's socket call waited for bandwidth: the event spans the wait (its duration is the
 * throttled time), until the limits let at least a byte move. A limit of 0 is none.
 */
@Name("dev.wasisockets.Throttle")
@Label("Throttle")
@Category({"WASI Sockets"})
@Description("A guest's send or receive waited for its bandwidth limit")
@Enabled(true)
@Threshold("0 ms")
@StackTrace(true)
public final class ThrottleEvent extends jdk.jfr.Event {
  @Label("Descriptor")
  @Description("The guest's descriptor number of the socket that waited")
  public int fd = -1;

  @Label("Direction")
  @Description("send or receive")
  public String direction;

  @Label("Bytes Wanted")
  @Description("What the call wanted to move")
  @DataAmount
  public long bytesWanted;

  @Label("Bytes Allowed")
  @Description("What the limits let it move after the wait; 0 when the wait was interrupted")
  @DataAmount
  public long bytesAllowed;

  @Label("Guest Limit")
  @Description("The guest's bandwidth limit in this direction, over all its sockets")
  @DataAmount
  @Frequency
  public long guestLimit;

  @Label("Socket Limit")
  @Description("The limit of each of the guest's sockets in this direction")
  @DataAmount
  @Frequency
  public long socketLimit;
}
