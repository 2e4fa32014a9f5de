package dev.wasisockets.bench;

import dev.wasisockets.fixtures.GuestFixture;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One single-threaded, non-blocking server holding many connections: the C guest serving through
 * {@code poll_oneoff} ({@code poll_echo_server}), or, natively, a Java NIO selector loop. Measures
 * requests per second, and the host heap each idle connection costs. Run in its own JVM: {@code
 * ManyConnections MODE CONNECTIONS ROUNDS}; prints {@code RESULT <requests/s> <heap bytes per
 * connection> <peak RSS KiB> <CPU seconds>}: the CPU is this JVM's (the server's alone: the client
 * is in a JVM of its own) while the client makes its timed rounds.
 */
public final class ManyConnections {
  private ManyConnections() {}

  /** The table rows for 1,000 connections (quick) or 1,000 and 10,000. */
  static List<String> rows(boolean quick) throws IOException, InterruptedException {
    List<String> rows = new ArrayList<>();
    for (int connections : quick ? List.of(1_000) : List.of(1_000, 10_000)) {
      int rounds = quick ? 20 : 50;
      double nativeFigure = 0;
      double nativeCpu = 0;
      for (String mode : List.of("native", "compiler", "interpreter")) {
        String[] result = run(mode, connections, rounds);
        double figure = Double.parseDouble(result[0]);
        double cpu = Double.parseDouble(result[3]);
        if (mode.equals("native")) {
          nativeFigure = figure;
          nativeCpu = cpu;
        }
        rows.add(
            String.format(
                Locale.ROOT,
                "| many (%,d connections, %d rounds of 16-byte requests; heap %,d B per idle"
                    + " connection) | %s | %,.0f requests/s; %.1f µs server CPU per request |"
                    + " %.2f%s | %d MiB |",
                connections,
                rounds,
                Long.parseLong(result[1]),
                mode,
                figure,
                cpu * 1e6 / ((double) connections * rounds),
                figure / nativeFigure,
                mode.equals("native")
                    ? ""
                    : " (CPU per op " + ServerBenchmarks.ratio(cpu / nativeCpu) + "×)",
                Long.parseLong(result[2]) / 1024));
        System.err.println(rows.get(rows.size() - 1));
      }
    }
    return rows;
  }

  private static String[] run(String mode, int connections, int rounds)
      throws IOException, InterruptedException {
    return ChildJvm.result(ManyConnections.class, mode, "" + connections, "" + rounds);
  }

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    int connections = Integer.parseInt(args[1]);
    int rounds = Integer.parseInt(args[2]);
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort(); // free now; the server listens on it next
    }
    CompletableFuture<Void> server =
        CompletableFuture.runAsync(
            () -> {
              try {
                if (mode.equals("native")) {
                  nativeServer(port, connections);
                } else {
                  InetSocketAddress listen =
                      new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
                  new GuestProgram(GuestFixture.C_POLL_ECHO_SERVER, mode)
                      .run(List.of("" + connections), b -> b.withTcpListener(listen));
                }
              } catch (IOException e) {
                throw new RuntimeException(e);
              }
            });
    Thread.sleep(mode.equals("native") ? 200 : 2_000); // the server starts listening
    long heapBefore = usedHeapAfterGc();

    Process client =
        ChildJvm.of(ManyConnectionsClient.class, "" + port, "" + connections, "" + rounds).start();
    BufferedReader clientOut =
        new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
    String ready = clientOut.readLine();
    if (!"READY".equals(ready)) {
      throw new IllegalStateException(
          "client: "
              + ready
              + " "
              + new String(client.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }
    long heapPerConnection = Math.max(0, (usedHeapAfterGc() - heapBefore) / connections);
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpuBefore = os.getProcessCpuTime();
    try (Writer go = new OutputStreamWriter(client.getOutputStream(), StandardCharsets.UTF_8)) {
      go.write("GO\n");
    }
    String result = clientOut.readLine();
    double cpuSeconds = (os.getProcessCpuTime() - cpuBefore) / 1e9;
    server.get(5, TimeUnit.MINUTES);
    client.waitFor(1, TimeUnit.MINUTES);
    System.out.printf(
        "RESULT %s %d %d %.3f%n",
        result.split(" ")[1], heapPerConnection, Scenario.peakRssKib(), cpuSeconds);
    System.exit(0);
  }

  /** The heap in use once the collector has run (three times, a pause after each). */
  static long usedHeapAfterGc() throws InterruptedException {
    var memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  /** The native baseline: one thread, one selector, echoing until every connection closed. */
  private static void nativeServer(int port, int connections) throws IOException {
    try (ServerSocketChannel listener = ServerSocketChannel.open();
        Selector selector = Selector.open()) {
      listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
      listener.configureBlocking(false);
      listener.register(selector, SelectionKey.OP_ACCEPT);
      ByteBuffer buffer = ByteBuffer.allocate(1024);
      int finished = 0;
      while (finished < connections) {
        selector.select();
        for (SelectionKey key : selector.selectedKeys()) {
          if (key.isAcceptable()) {
            for (SocketChannel c; (c = listener.accept()) != null; ) {
              c.configureBlocking(false);
              c.register(selector, SelectionKey.OP_READ);
            }
          } else if (key.isReadable()) {
            SocketChannel c = (SocketChannel) key.channel();
            buffer.clear();
            int n = c.read(buffer);
            if (n < 0) {
              c.close();
              finished++;
            } else {
              buffer.flip();
              while (buffer.hasRemaining()) {
                c.write(buffer); // 16-byte replies fit the send buffer
              }
            }
          }
        }
        selector.selectedKeys().clear();
      }
    }
  }
}
