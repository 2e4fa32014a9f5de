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
 * One send call of a guest (sock_send, fd_write, send_to) on a stream or a datagram socket,
 * spanning its wait for room in the socket and for bandwidth. For a datagram the remote end is the
 * destination.
 */
@Name("dev.wasisockets.SocketSend")
@Label("Socket Send")
@Category({"WASI Sockets"})
@Description("A guest's send: bytes asked and sent, and the wait for room or bandwidth")
@Enabled(true)
@Threshold("20 ms")
@StackTrace(true)
public final class SocketSendEvent extends SocketEvent {
  @Label("Bytes Asked")
  @Description("What the guest's buffers held")
  @DataAmount
  public long bytesAsked;

  @Label("Bytes Sent")
  @Description("What the call sent: the count the guest got back")
  @DataAmount
  public long bytesSent;

  @Label("Errno")
  @Description("The WASI errno the guest got, e.g. EAGAIN, EPIPE or ECONNRESET; absent on success")
  public String errno;
}
