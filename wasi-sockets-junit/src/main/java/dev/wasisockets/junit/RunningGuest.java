package dev.wasisockets.junit;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasi.WasiExitException;
import dev.wasisockets.WasiSockets;
import dev.wasisockets.compile.CompiledGuest;
import dev.wasisockets.transport.virtual.VirtualHost;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A guest the kit started, on its own thread: its listener, its output so far, how it ended, and
 * clients to talk to it. Given to a test as a parameter, or through {@link WasmGuest#running()}.
 */
public final class RunningGuest {
  /** How long {@link #stop} waits for an interrupted guest to end. */
  private static final Duration STOP_WAIT = Duration.ofSeconds(10);

  private static final Logger LOG = System.getLogger(RunningGuest.class.getName());

  private final String name;
  // Where it listens: its preopened listener's address from the start, or the first address it
  // listens on itself, from the host's listen; never completed for a guest that does neither.
  private final CompletableFuture<InetSocketAddress> listening;
  private final VirtualHost host; // null: the direct transport
  private final CapturedOutput stdout;
  private final CapturedOutput stderr;
  private final RecentCalls calls;
  private final Thread thread;
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  private final List<GuestClient> clients = new CopyOnWriteArrayList<>();
  private volatile Duration clientTimeout;
  private volatile boolean stopped;

  RunningGuest(
      String name,
      CompiledGuest guest,
      WasiSockets sockets,
      VirtualHost host,
      CapturedOutput stdout,
      CapturedOutput stderr,
      RecentCalls calls,
      Duration clientTimeout,
      CompletableFuture<InetSocketAddress> listensItself) {
    this.name = name;
    this.host = host;
    this.stdout = stdout;
    this.stderr = stderr;
    this.calls = calls;
    this.clientTimeout = clientTimeout;
    this.listening =
        sockets.preopenedSockets().isEmpty()
            ? listensItself
            : CompletableFuture.completedFuture(sockets.preopenedSockets().get(0).localAddress());
    this.thread = new Thread(() -> run(guest, sockets), "wasm-guest " + name);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  private void run(CompiledGuest guest, WasiSockets sockets) {
    try (sockets) {
      Instance instance = guest.instanceBuilder(sockets).build();
      instance.export("_start").apply();
      exit.complete(0);
    } catch (WasiExitException e) {
      exit.complete(e.exitCode());
    } catch (Throwable e) {
      exit.completeExceptionally(e);
    }
  }

  /** The guest's name: its file or resource. */
  public String name() {
    return name;
  }

  /**
   * The address of the listener preopened for it (fd 3), or of the first one it made itself: on
   * loopback, the port the OS gave; on a virtual network, the host's first address.
   *
   * @throws IllegalStateException if the guest was started without {@link WasmGuest#listen()}
   */
  public InetSocketAddress address() {
    if (!this.listening.isDone()) {
      throw new IllegalStateException(
          name + " does not listen: start it with listen(), or listensItself() if it binds");
    }
    InetSocketAddress listening = this.listening.join();
    if (host != null && listening.getAddress().isAnyLocalAddress()) {
      return new InetSocketAddress(host.addresses().get(0), listening.getPort());
    }
    if (listening.getAddress().isAnyLocalAddress()) {
      return new InetSocketAddress(InetAddress.getLoopbackAddress(), listening.getPort());
    }
    return listening;
  }

  public int port() {
    return address().getPort();
  }

  /** A new connection to the guest's listener; closed with the guest if the test does not. */
  public GuestClient client() {
    if (host != null) {
      return client(host);
    }
    return track(GuestClient.connect(address()));
  }

  /** A new connection to the guest's listener from {@code from}, a host of its virtual network. */
  public GuestClient client(VirtualHost from) {
    try {
      return track(GuestClient.over(from.connect(address())));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot connect to " + name + " at " + address(), e);
    }
  }

  private GuestClient track(GuestClient client) {
    client.withTimeout(clientTimeout);
    clients.add(client);
    return client;
  }

  /** Whether the guest is still running. */
  public boolean isRunning() {
    return !exit.isDone();
  }

  /**
   * Waits for the guest to end and gives its exit code (0 when {@code _start} returned).
   *
   * @throws AssertionError if it is still running after {@code timeout}, or trapped
   */
  public int awaitExit(Duration timeout) {
    try {
      return exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError(
          name + " still running after " + GuestClient.describe(timeout) + " of waiting to exit");
    } catch (ExecutionException e) {
      throw new AssertionError(name + " did not exit: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted waiting for " + name + " to exit", e);
    }
  }

  /** The exit code, once the guest has exited (empty while it runs, or if it trapped). */
  public Optional<Integer> exitCode() {
    return exit.isDone() && !exit.isCompletedExceptionally()
        ? Optional.of(exit.join())
        : Optional.empty();
  }

  /** What the guest wrote to stdout so far (UTF-8). */
  public String stdout() {
    return stdout.text();
  }

  /** What the guest wrote to stderr so far (UTF-8). */
  public String stderr() {
    return stderr.text();
  }

  /** The guest's last socket calls, one trace line each (oldest first). */
  public List<String> recentCalls() {
    return calls.lines();
  }

  void clientTimeout(Duration timeout) {
    this.clientTimeout = timeout;
  }

  /**
   * Waits until the guest listens itself (the host's listen tells), at most {@code timeout}.
   *
   * @throws AssertionError with the guest's report if it ended first or did not listen in time
   */
  void awaitListening(Duration timeout) {
    try {
      CompletableFuture.anyOf(listening, exit).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // not listening (or trapped): told below
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!listening.isDone()) {
      String why =
          exit.isDone()
              ? " ended before it listened"
              : " did not listen within " + GuestClient.describe(timeout);
      String report = report();
      stop();
      throw new AssertionError(name + why + "\n\n" + report);
    }
  }

  /**
   * Ends the guest if it still runs (its thread interrupted: Chicory stops it, and its sockets
   * close as it ends), and every client the kit gave out.
   */
  void stop() {
    for (GuestClient client : clients) {
      client.close();
    }
    clients.clear();
    if (thread.isAlive()) {
      stopped = true;
      thread.interrupt();
      try {
        thread.join(STOP_WAIT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (thread.isAlive()) {
        // A guest spinning in its own code without a host call never sees the interrupt; its
        // thread is a daemon, so it cannot keep the test JVM alive, but it still burns a core.
        LOG.log(
            Level.WARNING,
            "{0} did not stop within {1} of being interrupted; its thread is left running",
            name,
            GuestClient.describe(STOP_WAIT));
      }
    }
  }

  /** Closes the clients {@code test} was given, and forgets them. */
  void closeClients(List<GuestClient> given) {
    for (GuestClient client : given) {
      client.close();
      clients.remove(client);
    }
  }

  /** How the guest stands: running, exited with a code, stopped by the kit, or trapped. */
  String status() {
    if (!exit.isDone()) {
      return "still running";
    }
    try {
      return "exited with code " + exit.join();
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      return stopped
          ? "stopped by the kit (" + cause + ")"
          : "ended by " + cause.getClass().getName() + ": " + cause.getMessage();
    }
  }

  /** The report a failing test's message gets: status, output and last socket calls. */
  String report() {
    StringBuilder report = new StringBuilder();
    report.append("--- guest ").append(name);
    if (listening.isDone()) {
      report.append(" (listening on ").append(address()).append(')');
    }
    report.append(": ").append(status()).append('\n');
    report.append("--- stdout:\n").append(orNothing(stdout.tail(4000)));
    report.append("--- stderr:\n").append(orNothing(stderr.tail(4000)));
    List<String> lines = calls.lines();
    report.append("--- last socket calls");
    long forgotten = calls.forgotten();
    if (forgotten > 0) {
      report.append(" (").append(forgotten).append(" earlier ones not kept)");
    }
    report.append(":\n");
    if (lines.isEmpty()) {
      report.append("(none)\n");
    }
    for (String line : lines) {
      report.append(line).append('\n');
    }
    return report.toString();
  }

  private static String orNothing(String text) {
    if (text.isEmpty()) {
      return "(nothing)\n";
    }
    return text.endsWith("\n") ? text : text + "\n";
  }

  @Override
  public String toString() {
    return "RunningGuest[" + name + ", " + status() + "]";
  }
}
