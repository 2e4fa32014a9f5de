package dev.wasisockets.core;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;

/**
 * A socket operation failed with an errno the guest should see.
 *
 * <p>Core and adapter code throw it; the host-function boundary (every host function is wrapped by
 * {@code dev.wasisockets.abi.Preview1Imports}) turns it into the call's return value, so no adapter
 * needs its own try/catch. It carries no stack trace: it is an ordinary result (EAGAIN on every
 * idle non-blocking read), not a bug.
 */
public final class ErrnoException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Errno errno;
  private final String detail;

  public ErrnoException(Errno errno, String detail) {
    super(detail == null ? errno.name() : errno + ": " + detail, null, false, false);
    this.errno = errno;
    this.detail = detail;
  }

  public ErrnoException(Errno errno) {
    this(errno, null);
  }

  /**
   * The guest-visible failure for an I/O error of a host socket. An interrupted wait keeps the
   * thread's interrupt status, so the runtime stops the guest at its next check, and the guest sees
   * EINTR meanwhile.
   */
  public static ErrnoException of(IOException e) {
    keepInterrupt(e);
    return new ErrnoException(Errno.of(e), e.getMessage());
  }

  /** The failure of {@code call} as the guest should see it (see {@link SocketCall}). */
  static ErrnoException of(IOException e, SocketCall call) {
    keepInterrupt(e);
    return new ErrnoException(call.errnoOf(e), e.getMessage());
  }

  private static void keepInterrupt(IOException e) {
    if (e instanceof InterruptedIOException && !(e instanceof SocketTimeoutException)) {
      Thread.currentThread().interrupt();
    }
  }

  public Errno errno() {
    return errno;
  }

  /** Why, in words, or null: for a policy's EACCES, {@code "rule: "} and the rule that decided. */
  public String detail() {
    return detail;
  }
}
