package dev.wasisockets.bench;

import dev.wasisockets.compile.CompileCache;
import dev.wasisockets.compile.GuestCompiler;
import dev.wasisockets.fixtures.GuestFixture;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The server-shaped rows: a guest (or native) server in a process of its own, pinned to one core,
 * under load from another process on another core, with the server's CPU per operation from the
 * OS's accounting beside every throughput figure, and each guest row's ratio to the native server
 * doing the same work in the same run.
 *
 * <ol>
 *   <li>echo bulk: the load sends in 64 KiB writes and reads the echo at the same time;
 *   <li>ping-pong: 64-byte request, 64-byte echo, one connection;
 *   <li>HTTP: {@code GET /} under wrk, 10 and 100 keep-alive connections, after a warm-up.
 * </ol>
 *
 * <p>{@code ServerBenchmarks [--quick|--smoke]} prints these rows alone, as a table. The HTTP rows
 * need {@code wrk} and the native build of the Go server ({@code -Dbench.goHttpServer=PATH});
 * compiled guests are kept in {@code -Dbench.compileCache=DIR} (default: the user's cache, as for
 * {@code run}).
 */
public final class ServerBenchmarks {
  /** The guest variants every guest server row is run in ({@link GuestVariant#named}). */
  static final List<String> VARIANTS = List.of("compiler", "interpreter");

  /** The echo rows also run the compiled guest with the spin before parking switched on. */
  static final List<String> ECHO_VARIANTS =
      List.of("compiler", "compiler, spin 50 us", "interpreter");

  private static final int GUEST_BUFFER = 16 * 1024; // wasmedge_tcp_server.c's

  private static final CorePinning PINNING = CorePinning.detect();

  /**
   * A guest echo server: its fixture, how it gets its listener, the buffer it echoes with; it
   * echoes the bulk amount divided by {@code bulkDivisor} (a 1 KiB buffer takes 16 times the calls
   * of 16 KiB).
   */
  private record EchoGuest(
      String label, GuestFixture fixture, boolean preopened, int buffer, int bulkDivisor) {
    /** The guest's arguments for serving {@code connections} connections. */
    List<String> arguments(int connections) {
      return preopened
          ? List.of("--preopen", "" + connections)
          : List.of("127.0.0.1", "0", "" + connections);
    }
  }

  private static final List<EchoGuest> ECHO_GUESTS =
      List.of(
          new EchoGuest(
              "WasmEdge C server (blocking, 16 KiB recv)",
              GuestFixture.WASMEDGE_TCP_SERVER,
              false,
              GUEST_BUFFER,
              1),
          new EchoGuest(
              "poll C server (preview 1, non-blocking, poll, 1 KiB recv)",
              GuestFixture.C_POLL_ECHO_SERVER,
              true,
              1024,
              8));

  /** How much work each row does. */
  private record Amounts(
      String name, long bulkBytes, long roundTrips, int warmupSeconds, int windowSeconds) {
    static Amounts of(String name) {
      return switch (name) {
        case "smoke" -> new Amounts(name, 64L << 20, 2_000, 2, 2);
        case "quick" -> new Amounts(name, 256L << 20, 20_000, 15, 10);
        case "full" -> new Amounts(name, 2L << 30, 100_000, 60, 30);
        default -> throw new IllegalArgumentException("unknown amounts " + name);
      };
    }
  }

  /**
   * One server measured.
   *
   * @param figure throughput (MB/s, round trips/s, requests/s)
   * @param cpuSeconds the server's CPU over the measured window
   * @param operations what the window did (MB, round trips, requests)
   * @param seconds the window's length
   * @param loadCpuSeconds the load's CPU over the window (the load generator's, wrk's)
   * @param note what went wrong but did not stop the row (wrk's errors), or ""
   */
  private record Measured(
      double figure,
      double cpuSeconds,
      double operations,
      double seconds,
      double loadCpuSeconds,
      long peakRssKib,
      String note) {
    double cpuPerOperation() {
      return cpuSeconds / operations;
    }

    /**
     * How busy the server and the load were, each on its core: a side near 100% is what limits the
     * figure (the load too, on 2 cores), a spinning server is busy while it waits.
     */
    String busy() {
      return String.format(
          Locale.ROOT,
          "busy: server %.0f%%, load %.0f%%",
          100 * cpuSeconds / seconds,
          100 * loadCpuSeconds / seconds);
    }
  }

  private ServerBenchmarks() {}

  public static void main(String[] args) throws Exception {
    String amounts = "full";
    for (String arg : args) {
      amounts = arg.replaceFirst("^--", "");
    }
    List<String> table = new ArrayList<>();
    table.add(header());
    table.add("");
    table.add("| work | mode | figure | ratio to native | peak RSS |");
    table.add("|---|---|---|---|---|");
    table.addAll(rows(amounts));
    System.out.println(String.join("\n", table));
  }

  /** The line that says how the server rows were pinned. */
  static String header() {
    return "Server rows: " + PINNING.describe() + ".";
  }

  /** The rows for {@code amounts}: "quick", "full" or "smoke" (a few seconds, to try them). */
  static List<String> rows(String amounts) throws Exception {
    Amounts amount = Amounts.of(amounts);
    List<String> rows = new ArrayList<>();
    bulkRows(amount, rows);
    pingPongRows(amount, rows);
    httpRows(amount, rows);
    return rows;
  }

  private static void bulkRows(Amounts amount, List<String> rows) throws Exception {
    for (EchoGuest guest : ECHO_GUESTS) {
      long bytes = amount.bulkBytes() / guest.bulkDivisor();
      String work = "echo bulk, " + (bytes >> 20) + " MiB (64 KiB writes, echo read at once): ";
      // The baseline echoes with the guest's buffer size: the same work, call for call.
      Measured nativeServer = echo("bulk", javaEchoServer(guest.buffer()), bytes);
      add(rows, work + javaLabel(guest.buffer()), "native", bulk(nativeServer), nativeServer, null);
      for (String variant : ECHO_VARIANTS) {
        Measured measured = echo("bulk", guestServer(variant, guest), bytes);
        add(rows, work + guest.label(), variant, bulk(measured), measured, nativeServer);
      }
    }
  }

  private static void pingPongRows(Amounts amount, List<String> rows) throws Exception {
    String work =
        String.format(
            Locale.ROOT,
            "ping-pong, %,d round trips (64-byte request and echo, TCP_NODELAY): ",
            amount.roundTrips());
    // 64-byte messages never fill a buffer: one Java server is the baseline of both guests.
    Measured nativeServer = echo("pingpong", javaEchoServer(GUEST_BUFFER), amount.roundTrips());
    add(rows, work + javaLabel(GUEST_BUFFER), "native", pingPong(nativeServer), nativeServer, null);
    for (EchoGuest guest : ECHO_GUESTS) {
      for (String variant : ECHO_VARIANTS) {
        Measured measured = echo("pingpong", guestServer(variant, guest), amount.roundTrips());
        add(rows, work + guest.label(), variant, pingPong(measured), measured, nativeServer);
      }
    }
  }

  private static String javaLabel(int buffer) {
    return "Java server (blocking, thread per connection, " + (buffer / 1024) + " KiB direct)";
  }

  private static String bulk(Measured m) {
    return String.format(
        Locale.ROOT, "%,.0f MB/s; %.2f ms CPU per MB", m.figure(), m.cpuPerOperation() * 1e3);
  }

  private static String pingPong(Measured m) {
    return String.format(
        Locale.ROOT,
        "%,.0f round trips/s; %.1f µs CPU per round trip",
        m.figure(),
        m.cpuPerOperation() * 1e6);
  }

  /**
   * One row for {@code measured}; a guest row ({@code baseline} given) also gets its ratios to the
   * native server's row: of the figure, and of the CPU per operation.
   */
  private static void add(
      List<String> rows,
      String work,
      String mode,
      String figure,
      Measured measured,
      Measured baseline) {
    String ratio =
        baseline == null
            ? "1.00"
            : ratio(measured.figure() / baseline.figure())
                + " (CPU per op "
                + ratio(measured.cpuPerOperation() / baseline.cpuPerOperation())
                + "×)";
    String note = " (" + measured.busy() + ")";
    if (!measured.note().isEmpty()) {
      note += " (wrk: " + measured.note() + ")";
    }
    rows.add(
        String.format(
            Locale.ROOT,
            "| %s | %s | %s%s | %s | %d MiB |",
            work,
            mode,
            figure,
            note,
            ratio,
            measured.peakRssKib() / 1024));
    System.err.println(rows.get(rows.size() - 1));
  }

  /** Two decimals; three significant digits below 0.1 (a Go guest's ratio), none from 100 on. */
  static String ratio(double ratio) {
    return String.format(
        Locale.ROOT, ratio < 0.1 ? "%.3g" : ratio >= 100 ? "%,.0f" : "%.2f", ratio);
  }

  // The two ways to start a server: the Java echo server, a guest.

  private static List<String> javaEchoServer(int buffer) {
    return ChildJvm.command(List.of(), JavaEchoServer.class, "" + buffer, "2");
  }

  private static List<String> guestServer(String variant, EchoGuest guest) {
    List<String> args = new ArrayList<>(List.of(guest.fixture().name()));
    args.addAll(guest.arguments(2)); // the warm-up connection, then the measured one
    return guestJvm(variant, args);
  }

  /**
   * The command of a {@link GuestServer} JVM running {@code args} (fixture first) in {@code
   * variant}. A compiled guest is compiled here first, into the cache the server loads it from, so
   * every server starts as {@code run} does with a warm cache, and its peak RSS is its serving's.
   */
  private static List<String> guestJvm(String variant, List<String> args) {
    GuestVariant guest = GuestVariant.named(variant);
    Path cache = GuestServer.compileCache();
    if (guest.mode() == GuestCompiler.Mode.COMPILER) {
      GuestCompiler.builder()
          .withMode(guest.mode())
          .withCache(CompileCache.in(cache))
          .build()
          .compile(GuestFixture.valueOf(args.get(0)).bytes());
    }
    List<String> options = new ArrayList<>(guest.jvmOptions());
    options.add("-D" + GuestServer.COMPILE_CACHE + "=" + cache);
    List<String> serverArgs = new ArrayList<>(List.of(variant));
    serverArgs.addAll(args);
    return ChildJvm.command(options, GuestServer.class, serverArgs.toArray(String[]::new));
  }

  /** Runs {@link EchoLoad} against the server {@code command} starts. */
  private static Measured echo(String work, List<String> command, long amount) throws Exception {
    try (ServerProcess server = ServerProcess.start(work + " server", PINNING.server(command))) {
      int port = server.port(300);
      String[] result;
      try {
        result =
            ChildJvm.result(
                PINNING.load(
                    ChildJvm.command(
                        List.of(),
                        EchoLoad.class,
                        work,
                        "" + port,
                        "" + server.pid(),
                        "" + amount)));
      } catch (IllegalStateException e) {
        throw server.failure("failed under load: " + e.getMessage());
      }
      server.awaitExit(60);
      double operations = work.equals("bulk") ? amount / 1e6 : amount;
      return new Measured(
          Double.parseDouble(result[0]),
          Double.parseDouble(result[1]),
          operations,
          Double.parseDouble(result[3]),
          Double.parseDouble(result[4]),
          Long.parseLong(result[2]),
          "");
    }
  }

  // HTTP

  /** The connections of the HTTP rows' windows, in the order they run. */
  private static final List<Integer> HTTP_CONNECTIONS = List.of(10, 100);

  private static void httpRows(Amounts amount, List<String> rows) throws Exception {
    String goServer = System.getProperty("bench.goHttpServer");
    String skipped = null;
    if (!CorePinning.onPath("wrk")) {
      skipped = "wrk is not installed";
    } else if (goServer == null || !Files.isExecutable(Path.of(goServer))) {
      skipped = "no native build of the Go server (-Dbench.goHttpServer=PATH)";
    }
    if (skipped != null) {
      rows.add("| HTTP (Go net/http server under wrk) | | skipped: " + skipped + " | | |");
      System.err.println(rows.get(rows.size() - 1));
      return;
    }
    int port = freePort();
    List<Measured> nativeServer =
        http(List.of(goServer, "-listen", "127.0.0.1:" + port), port, amount);
    List<List<Measured>> guests = new ArrayList<>();
    for (String variant : VARIANTS) {
      List<String> args = List.of(GuestFixture.GO_HTTP_SERVER.name(), "--preopen");
      guests.add(http(guestJvm(variant, args), 0, amount));
    }
    for (int i = 0; i < HTTP_CONNECTIONS.size(); i++) {
      String work =
          String.format(
              Locale.ROOT,
              "HTTP GET / under wrk, %d connections, %d s after %s: Go net/http server",
              HTTP_CONNECTIONS.get(i),
              amount.windowSeconds(),
              i == 0
                  ? amount.warmupSeconds() + " s of warm-up at 10"
                  : "the 10-connection row's warm-up and window");
      add(rows, work, "native (go build)", http(nativeServer.get(i)), nativeServer.get(i), null);
      for (int v = 0; v < VARIANTS.size(); v++) {
        Measured measured = guests.get(v).get(i);
        add(rows, work, VARIANTS.get(v), http(measured), measured, nativeServer.get(i));
      }
    }
  }

  private static String http(Measured m) {
    return String.format(
        Locale.ROOT,
        "%,.0f requests/s; %,.1f ms CPU per 1,000 requests",
        m.figure(),
        m.cpuPerOperation() * 1e6);
  }

  /**
   * Starts the HTTP server {@code command} (on {@code port}, or 0: on the port it says it listens
   * on), waits for its first answer, warms it up under wrk, then measures a window of wrk for each
   * of {@link #HTTP_CONNECTIONS}, with the server's CPU over each.
   */
  private static List<Measured> http(List<String> command, int port, Amounts amount)
      throws Exception {
    try (ServerProcess server = ServerProcess.start("HTTP server", PINNING.server(command))) {
      int listening = port != 0 ? port : server.port(600);
      awaitHello(server, listening, 600);
      Wrk.run(PINNING, listening, 10, amount.warmupSeconds());
      List<Measured> windows = new ArrayList<>();
      for (int connections : HTTP_CONNECTIONS) {
        double cpu = server.cpuSeconds();
        Wrk.Result wrk = Wrk.run(PINNING, listening, connections, amount.windowSeconds());
        windows.add(
            new Measured(
                wrk.requestsPerSecond(),
                server.cpuSeconds() - cpu,
                wrk.requests(),
                wrk.seconds(),
                wrk.cpuSeconds(),
                server.peakRssKib(),
                wrk.errors()));
      }
      return windows;
    }
  }

  /** Waits until {@code GET /} on {@code port} answers "hello\n" (wrk checks no body). */
  private static void awaitHello(ServerProcess server, int port, int seconds) throws Exception {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (!server.alive()) {
        throw server.failure("ended before its first answer");
      }
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
        socket.setSoTimeout(60_000);
        OutputStream out = socket.getOutputStream();
        out.write(
            "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        InputStream in = socket.getInputStream();
        String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        if (!answer.startsWith("HTTP/1.1 200 ") || !answer.endsWith("\r\n\r\nhello\n")) {
          throw server.failure("answered GET / with:\n" + answer);
        }
        return;
      } catch (ConnectException e) {
        Thread.sleep(50); // not listening yet
      } catch (SocketTimeoutException e) {
        throw server.failure("took GET / and gave no answer within 60 s");
      }
    }
    throw server.failure("gave no answer within " + seconds + " s");
  }

  /** A port free now, for a server that takes its port from its command line. */
  private static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
  }
}
