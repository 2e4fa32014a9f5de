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
 * One receive call of a guest (sock_recv, fd_read, recv_from) on a stream or a datagram socket,
 * spanning its wait for bytes and for bandwidth (with MSG_WAITALL, every read until the buffers are
 * full). For a datagram the remote end is the sender.
 */
@Name("dev.wasisockets.SocketReceive")
@Label("Socket Receive")
@Category({"WASI Sockets"})
@Description("A guest's receive: bytes asked and received, and the wait for them")
@Enabled(true)
@Threshold("20 ms")
@StackTrace(true)
public final class SocketReceiveEvent extends SocketEvent {
  @Label("Bytes Asked")
  @Description("What the guest's buffers could take")
  @DataAmount
  public long bytesAsked;

  @Label("Bytes Received")
  @Description("What the call put in the guest's buffers: the count the guest got back")
  @DataAmount
  public long bytesReceived;

  @Label("End of Stream")
  @Description("A stream receive found the end: the peer closed, or reading was shut down")
  public boolean endOfStream;

  @Label("Truncated")
  @Description("A datagram was longer than the buffers, and its rest was dropped")
  public boolean truncated;

  @Label("Errno")
  @Description("The WASI errno the guest got, e.g. EAGAIN or ECONNRESET; absent on success")
  public String errno;
}
