package dev.wasisockets.core;

import dev.wasisockets.transport.ConnectionResetException;
import dev.wasisockets.transport.RemotePolicyException;
import dev.wasisockets.transport.UnsupportedByTransportException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.ProtocolException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;

/**
 * WASI preview 1 error numbers: the one errno table every dialect adapter returns from.
 *
 * <p>The numbering is WASI's ({@code typenames.witx}, enum order), not the host OS's: wasi-libc's
 * {@code errno}, Go's {@code syscall.Errno} on wasip1 and the value a guest reads from {@code
 * SO_ERROR} all use it (abi.md §2.4).
 */
public enum Errno {
  SUCCESS(0),
  E2BIG(1),
  EACCES(2),
  EADDRINUSE(3),
  EADDRNOTAVAIL(4),
  EAFNOSUPPORT(5),
  EAGAIN(6),
  EALREADY(7),
  EBADF(8),
  EBADMSG(9),
  EBUSY(10),
  ECANCELED(11),
  ECHILD(12),
  ECONNABORTED(13),
  ECONNREFUSED(14),
  ECONNRESET(15),
  EDEADLK(16),
  EDESTADDRREQ(17),
  EDOM(18),
  EDQUOT(19),
  EEXIST(20),
  EFAULT(21),
  EFBIG(22),
  EHOSTUNREACH(23),
  EIDRM(24),
  EILSEQ(25),
  EINPROGRESS(26),
  EINTR(27),
  EINVAL(28),
  EIO(29),
  EISCONN(30),
  EISDIR(31),
  ELOOP(32),
  EMFILE(33),
  EMLINK(34),
  EMSGSIZE(35),
  EMULTIHOP(36),
  ENAMETOOLONG(37),
  ENETDOWN(38),
  ENETRESET(39),
  ENETUNREACH(40),
  ENFILE(41),
  ENOBUFS(42),
  ENODEV(43),
  ENOENT(44),
  ENOEXEC(45),
  ENOLCK(46),
  ENOLINK(47),
  ENOMEM(48),
  ENOMSG(49),
  ENOPROTOOPT(50),
  ENOSPC(51),
  ENOSYS(52),
  ENOTCONN(53),
  ENOTDIR(54),
  ENOTEMPTY(55),
  ENOTRECOVERABLE(56),
  ENOTSOCK(57),
  ENOTSUP(58),
  ENOTTY(59),
  ENXIO(60),
  EOVERFLOW(61),
  EOWNERDEAD(62),
  EPERM(63),
  EPIPE(64),
  EPROTO(65),
  EPROTONOSUPPORT(66),
  EPROTOTYPE(67),
  ERANGE(68),
  EROFS(69),
  ESPIPE(70),
  ESRCH(71),
  ESTALE(72),
  ETIMEDOUT(73),
  ETXTBSY(74),
  EXDEV(75),
  ENOTCAPABLE(76);

  private final int code;

  Errno(int code) {
    this.code = code;
  }

  /** The number the guest sees. */
  public int code() {
    return code;
  }

  /**
   * The errno an I/O failure's type alone says, EIO when it says nothing more; {@link SocketCall}
   * knows more from the call it happened in. Never from the message, which is the C library's
   * {@code strerror} text in the process's language.
   */
  public static Errno of(IOException e) {
    Errno typed = ofType(e);
    return typed != null ? typed : e instanceof ClosedChannelException ? EBADF : EIO;
  }

  /** The errno {@code e}'s type means whatever the call, or null when that depends on the call. */
  static Errno ofType(IOException e) {
    if (e instanceof RemotePolicyException) {
      return EACCES;
    }
    if (e instanceof ConnectionResetException) {
      return ECONNRESET;
    }
    if (e instanceof UnsupportedByTransportException) {
      return ENOTSUP;
    }
    if (e instanceof SocketTimeoutException) {
      return ETIMEDOUT;
    }
    if (e instanceof InterruptedIOException || e instanceof ClosedByInterruptException) {
      // The latter: a channel waiting in the OS was closed by the interrupt (NIO does that); the
      // thread stays interrupted, so the runtime stops the guest at its next check.
      return EINTR;
    }
    if (e instanceof ConnectException) {
      return ECONNREFUSED; // or ETIMEDOUT: TcpSocket tells them apart by how long it waited
    }
    if (e instanceof NoRouteToHostException) {
      return EHOSTUNREACH;
    }
    if (e instanceof PortUnreachableException) {
      return ECONNREFUSED; // an ICMP port unreachable, reported on a connected UDP socket
    }
    if (e instanceof BindException) {
      return EADDRINUSE; // or EADDRNOTAVAIL: the socket tells them apart by the address
    }
    if (e instanceof ProtocolException) {
      return EPROTO;
    }
    return null;
  }
}
