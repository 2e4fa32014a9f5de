package dev.wasisockets.core.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/**
 * A guest's connect. TCP: from the call until the connection is made or has failed; a blocking
 * connect spans its wait for the handshake, a non-blocking one (EINPROGRESS first) lasts until the
 * guest learns how it ended. UDP: the default peer it set. A connect the policy refused is one with
 * errno EACCES.
 */
@Name("dev.wasisockets.SocketConnect")
@Label("Socket Connect")
@Category({"WASI Sockets"})
@Description("A guest's connect: the wait for the handshake, or the errno it ended with")
@Enabled(true)
@Threshold("20 ms")
@StackTrace(true)
public final class SocketConnectEvent extends SocketEvent {
  @Label("Errno")
  @Description(
      "The WASI errno the guest got: EACCES when the policy refused, ECONNREFUSED, ETIMEDOUT, ..."
          + " (ECANCELED: closed before a non-blocking connect ended); absent when connected")
  public String errno;
}
