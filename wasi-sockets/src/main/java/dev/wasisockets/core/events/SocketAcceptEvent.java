package dev.wasisockets.core.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/**
 * A guest's accept on a listener, spanning its wait for a connection. The socket fields are the
 * accepted connection's; {@code fd} is the listener's, {@code acceptedFd} the connection's.
 */
@Name("dev.wasisockets.SocketAccept")
@Label("Socket Accept")
@Category({"WASI Sockets"})
@Description("A guest's accept: the wait for a connection, the connection it got")
@Enabled(true)
@Threshold("20 ms")
@StackTrace(true)
public final class SocketAcceptEvent extends SocketEvent {
  @Label("Accepted Descriptor")
  @Description("The descriptor number the accepted connection got; -1 when none was accepted")
  public int acceptedFd = -1;

  @Label("Errno")
  @Description(
      "The WASI errno the guest got, e.g. EAGAIN (nothing pending) or ENFILE; absent on success")
  public String errno;
}
