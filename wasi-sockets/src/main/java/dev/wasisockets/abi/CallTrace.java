package dev.wasisockets.abi;

import java.io.PrintStream;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * What to trace of a guest's socket calls, and where the lines go: one line per call, its arguments
 * decoded as a person reads them and its result, like {@code strace -e network}:
 *
 * <pre>
 * 0.004512 sock_open(INET4, STREAM) = fd 3
 * 0.004630 sock_connect(fd 3, 127.0.0.1:8080) = 0
 * 0.004701 sock_send(fd 3, 13 bytes) = 13
 * 0.005100 sock_connect(fd 4, 10.0.0.1:80) = EACCES (rule: deny private)
 * </pre>
 *
 * Seconds since the guest's sockets were set up; every socket import of every dialect, {@code
 * poll_oneoff}/{@code epoll_oneoff}, and {@code fd_read}/{@code fd_write}/{@code fd_close} on a
 * socket. A pointer the guest passed that does not decode is shown as it was passed, beside the
 * EFAULT it got. Guest bytes are shown only when asked ({@link #showingData}): they may be secrets.
 * Off unless given to {@code WasiSockets.Builder.withTrace}, and then only the traced imports carry
 * the tracing wrapper.
 */
public final class CallTrace {
  /** The imports a trace can show. */
  public static final Set<String> CALLS =
      Set.of(
          "sock_open",
          "sock_bind",
          "sock_listen",
          "sock_connect",
          "sock_accept",
          "sock_recv",
          "sock_send",
          "sock_recv_from",
          "sock_send_to",
          "sock_shutdown",
          "sock_getlocaladdr",
          "sock_getpeeraddr",
          "sock_getsockopt",
          "sock_setsockopt",
          "sock_getaddrinfo",
          "poll_oneoff",
          "epoll_oneoff",
          "fd_read",
          "fd_write",
          "fd_close");

  private final Consumer<String> lines;
  private final Set<String> calls;
  private final int dataBytes;

  private CallTrace(Consumer<String> lines, Set<String> calls, int dataBytes) {
    this.lines = lines;
    this.calls = calls;
    this.dataBytes = dataBytes;
  }

  /** Every traceable call, a line each to {@code out}. */
  public static CallTrace to(PrintStream out) {
    return to(out::println);
  }

  /** Every traceable call, each line (without its line end) to {@code lines}. */
  public static CallTrace to(Consumer<String> lines) {
    return new CallTrace(lines, CALLS, 0);
  }

  /**
   * Only these calls ({@link #CALLS} names).
   *
   * @throws IllegalArgumentException naming a call that is not traceable
   */
  public CallTrace only(Collection<String> names) {
    Set<String> unknown = new TreeSet<>(names);
    unknown.removeAll(CALLS);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          "not a traceable call: "
              + String.join(", ", unknown)
              + " (traceable: "
              + String.join(", ", new TreeSet<>(CALLS))
              + ")");
    }
    return new CallTrace(lines, Set.copyOf(names), dataBytes);
  }

  /** Also the first {@code bytes} of what each send and receive moved (0: none, the default). */
  public CallTrace showingData(int bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("data bytes must be 0 or more, got " + bytes);
    }
    return new CallTrace(lines, calls, bytes);
  }

  boolean traces(String name) {
    return calls.contains(name);
  }

  int dataBytes() {
    return dataBytes;
  }

  void write(String line) {
    lines.accept(line);
  }
}
