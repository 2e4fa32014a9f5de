package dev.wasisockets.core.events;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/**
 * A socket closed: by the guest's close, or by the host when the guest ended. It says what the
 * socket moved in its life, so a recording that keeps only slow sends and receives still tells
 * every connection's volume.
 */
@Name("dev.wasisockets.SocketClose")
@Label("Socket Close")
@Category({"WASI Sockets"})
@Description("A guest's socket closed, with the bytes it sent and received in its life")
@Enabled(true)
@Threshold("0 ms")
@StackTrace(true)
public final class SocketCloseEvent extends SocketEvent {
  @Label("Bytes Sent")
  @Description("Everything the socket sent in its life")
  @DataAmount
  public long bytesSent;

  @Label("Bytes Received")
  @Description("Everything the socket received in its life")
  @DataAmount
  public long bytesReceived;
}
