package dev.wasisockets.core;

import java.io.IOException;
import java.net.BindException;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;

/**
 * The socket call an OS or transport failure happened in, which decides the errno together with the
 * exception's type. The JDK reports socket errors as a few exception types, most errnos sharing one
 * (a plain {@code SocketException}, a {@code BindException}), whose message is the C library's
 * {@code strerror} text in the process's language: the errno never comes from that text. What the
 * type and call leave open, the socket's state settles where it is known ({@link TcpSocket}: how
 * long a connect waited, whether the connection already failed; a bind's address).
 */
enum SocketCall {
  OPEN(Errno.EIO),
  /** Other than a BindException: an address the OS does not take (EINVAL). */
  BIND(Errno.EINVAL),
  LISTEN(Errno.EINVAL),
  /** Besides the typed refusals, what ends a connect is no route to the network. */
  CONNECT(Errno.ENETUNREACH),
  ACCEPT(Errno.EIO),
  /**
   * A reset is the JDK's own SocketException (ECONNRESET); any other failure of a TCP read is a
   * timeout the kernel declared (retransmissions or keepalives unanswered).
   */
  STREAM_RECEIVE(Errno.ETIMEDOUT),
  /** The first failure of a connection's writes: the reset that ended it (see TcpSocket). */
  STREAM_SEND(Errno.ECONNRESET),
  DATAGRAM_RECEIVE(Errno.EIO),
  /** Too long is checked before sending; what else fails a send is no route to the network. */
  DATAGRAM_SEND(Errno.ENETUNREACH),
  SHUTDOWN(Errno.ENOTCONN),
  OPTION(Errno.EINVAL),
  ADDRESS(Errno.EINVAL);

  private final Errno otherwise;

  SocketCall(Errno otherwise) {
    this.otherwise = otherwise;
  }

  /** The errno for {@code e} thrown in this call. */
  Errno errnoOf(IOException e) {
    if (e instanceof ClosedChannelException) {
      // Writing after shutdown(SHUT_WR) is EPIPE, as POSIX says; otherwise the socket is gone.
      return this == STREAM_SEND ? Errno.EPIPE : Errno.EBADF;
    }
    if (e instanceof BindException && this == DATAGRAM_SEND) {
      return Errno.EACCES; // the JDK reports EACCES (broadcast without SO_BROADCAST) as a bind
    }
    Errno typed = Errno.ofType(e);
    if (typed != null) {
      return typed;
    }
    if (this == STREAM_RECEIVE && e instanceof SocketException) {
      return Errno.ECONNRESET;
    }
    return otherwise;
  }
}
