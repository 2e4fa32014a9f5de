package dev.wasisockets.bench;

import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.wasmnet.client.WasmnetOptions;
import dev.wasisockets.wasmnet.client.WasmnetTransport;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One measurement of a relayed path, the compiled bench client guest to a loopback peer through a
 * hop in a JVM of its own ({@link RelayServer}): {@code RelayScenario WORK HOP N}, HOP {@code
 * plain} (direct transport, then the {@link PlainRelay}: the ceiling) or {@code gateway} (wasmnet
 * transport, binary framing, then our gateway). Prints {@code RESULT <figure> <hop CPU s per op>
 * <guest JVM CPU s per op> <hop peak RSS KiB> <hop JIT CPU s per op> <guest JVM JIT CPU s per op>}
 * (the JIT's part of the hop's CPU: its compiler threads); CPU is what the OS counted over the
 * measured run, the guest JVM's including the peer's threads (the same for both hops).
 */
public final class RelayScenario {
  private static final int MESSAGE = 64;
  private static final int CHUNK = 64 * 1024;

  private RelayScenario() {}

  public static void main(String[] args) throws Exception {
    String work = args[0];
    String hop = args[1];
    long n = Long.parseLong(args[2]);
    boolean bulk = work.startsWith("bulk");
    GuestProgram guest = new GuestProgram(GuestFixture.BENCH_CLIENT, "compiler");
    Peers.Timing timing = new Peers.Timing();
    AtomicLong sourceBytes = new AtomicLong();
    try (ServerSocket peer = peer(work, timing, sourceBytes)) {
      // Compiler threads that outlive idle spells, so that the JIT's CPU is counted whole.
      List<String> jvmOptions = new ArrayList<>(List.of("-XX:-UseDynamicNumberOfCompilerThreads"));
      // For profiling the hop: -Dbench.hopJvmOptions="-XX:StartFlightRecording=..."
      String options = System.getProperty("bench.hopJvmOptions", "").trim();
      if (!options.isEmpty()) {
        jvmOptions.addAll(List.of(options.split("\\s+")));
      }
      String[] hopArgs =
          hop.equals("plain")
              ? new String[] {"plain", "" + peer.getLocalPort()}
              : new String[] {"gateway"};
      try (ServerProcess relay =
          ServerProcess.start(
              "the " + hop + " hop", ChildJvm.command(jvmOptions, RelayServer.class, hopArgs))) {
        int relayPort = relay.port(60);
        long warmUp = bulk ? Math.max(CHUNK, n / 10) : Math.max(1, n / 10);
        sourceBytes.set(warmUp);
        run(guest, work, hop, relayPort, peer.getLocalPort(), warmUp);
        timing.reset();
        sourceBytes.set(n);
        long self = ProcessHandle.current().pid();
        double relayBefore = relay.cpuSeconds();
        double jitBefore = CompilerThreadsCpu.seconds(relay.pid());
        double guestBefore = ProcessAccounting.cpuSeconds(self);
        double guestJitBefore = CompilerThreadsCpu.seconds(self);
        run(guest, work, hop, relayPort, peer.getLocalPort(), n);
        double seconds = timing.seconds();
        double relayCpu = relay.cpuSeconds() - relayBefore;
        double jitCpu = CompilerThreadsCpu.seconds(relay.pid()) - jitBefore;
        double guestCpu = ProcessAccounting.cpuSeconds(self) - guestBefore;
        double guestJitCpu = CompilerThreadsCpu.seconds(self) - guestJitBefore;
        double operations = bulk ? n / 1e6 : n; // per MB for bulk, as its figure is MB/s
        System.out.printf(
            "RESULT %.1f %.9f %.9f %d %.9f %.9f%n",
            operations / seconds,
            relayCpu / operations,
            guestCpu / operations,
            relay.peakRssKib(),
            Math.max(0, jitCpu) / operations,
            Math.max(0, guestJitCpu) / operations);
      }
    }
  }

  private static ServerSocket peer(String work, Peers.Timing timing, AtomicLong sourceBytes)
      throws IOException {
    return switch (work) {
      case "pingpong", "churn" -> Peers.echo(timing);
      case "bulk-send" -> Peers.sink(timing);
      case "bulk-recv" -> Peers.source(timing, sourceBytes::get);
      default -> throw new IllegalArgumentException("unknown work " + work);
    };
  }

  /**
   * Runs the guest once: to the plain relay's port on the direct transport, or to the peer itself
   * through the gateway, which dials it.
   */
  private static void run(
      GuestProgram guest, String work, String hop, int relayPort, int peerPort, long n)
      throws IOException {
    String guestMode =
        switch (work) {
          case "bulk-send" -> "send";
          case "bulk-recv" -> "recv";
          default -> work;
        };
    int size = work.startsWith("bulk") ? CHUNK : MESSAGE;
    int port = hop.equals("plain") ? relayPort : peerPort;
    List<String> args = List.of(guestMode, "127.0.0.1", "" + port, "" + n, "" + size);
    if (hop.equals("plain")) {
      guest.run(args);
      return;
    }
    URI uri = URI.create("ws://127.0.0.1:" + relayPort + "/");
    WasmnetTransport transport = WasmnetTransport.connect(uri, WasmnetOptions.DEFAULT);
    guest.run(args, builder -> builder.withTransport(transport));
  }
}
