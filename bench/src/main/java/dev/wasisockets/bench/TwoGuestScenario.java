package dev.wasisockets.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.transport.Transport;
import dev.wasisockets.transport.direct.DirectTransport;
import dev.wasisockets.transport.virtual.VirtualHost;
import dev.wasisockets.transport.virtual.VirtualNetwork;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One measurement of the virtual network against loopback, in its own JVM: {@code TwoGuestScenario
 * WORK NETWORK N}. The C WasmEdge echo server guest serves; the client is the C benchmark client
 * guest (WORK pingpong, echo, churn) or Java code (java-pingpong, java-echo). On NETWORK {@code
 * direct} both guests use OS sockets on 127.0.0.1; on {@code virtual} each is a host of one {@link
 * VirtualNetwork} and the Java client a member. Both guests are compiled (Chicory's compiler) and
 * run in this JVM, so the CPU (this process's, over the measured run) is both sides'. A warm-up of
 * a tenth of the work runs first. Prints {@code RESULT <figure> <peak RSS KiB> <CPU seconds>}:
 * round trips/s, MB/s each way, connections/s.
 */
public final class TwoGuestScenario {
  private static final int MESSAGE = 64;
  private static final int CHUNK = 64 * 1024;
  private static final int VIRTUAL_PORT = 7000;

  private final String work;
  private final boolean virtual;
  private final Duration spin;
  private final VirtualNetwork network = VirtualNetwork.create();
  private final VirtualHost serverHost = network.host("server"); // 10.0.0.1
  private final VirtualHost clientHost = network.host("client");

  private TwoGuestScenario(String work, String network, Duration spin) {
    this.work = work;
    this.spin = spin;
    this.virtual = network.equals("virtual");
    if (!virtual && !network.equals("direct")) {
      throw new IllegalArgumentException("NETWORK is direct or virtual: " + network);
    }
  }

  public static void main(String[] args) throws Exception {
    Duration spin = Duration.ofNanos(1000 * Long.parseLong(args.length > 3 ? args[3] : "0"));
    TwoGuestScenario scenario = new TwoGuestScenario(args[0], args[1], spin);
    long n = Long.parseLong(args[2]);
    double[] figure = scenario.measure(n);
    System.out.printf("RESULT %.1f %d %.3f%n", figure[0], Scenario.peakRssKib(), figure[1] / 1e9);
  }

  /** The figure and the CPU nanoseconds of {@code n} operations, after a warm-up. */
  private double[] measure(long n) throws Exception {
    long warmUp = Math.max(1, n / 10);
    // The server serves exactly the runs' connections, then exits.
    long connections = work.equals("churn") ? warmUp + n : 2;
    GuestProgram server = new GuestProgram(GuestFixture.WASMEDGE_TCP_SERVER, "compiler");
    GuestProgram client = new GuestProgram(GuestFixture.BENCH_CLIENT, "compiler");
    String listenOn = virtual ? "0.0.0.0" : "127.0.0.1";
    int askedPort = virtual ? VIRTUAL_PORT : 0;
    // Where the server guest listens, from the host's own listen (its port 0 on loopback).
    CompletableFuture<InetSocketAddress> listening = new CompletableFuture<>();
    CompletableFuture<Void> served =
        CompletableFuture.runAsync(
            () ->
                server.run(
                    List.of(listenOn, "" + askedPort, "" + connections, "nodelay"),
                    OutputStream.nullOutputStream(),
                    b ->
                        b.withTransport(transport(serverHost))
                            .withListenCallback(listening::complete)));
    served.whenComplete(
        (done, failed) -> {
          if (failed != null) {
            listening.completeExceptionally(failed); // it failed before it listened
          }
        });
    int port = listening.get(60, TimeUnit.SECONDS).getPort();
    String address = virtual ? serverHost.addresses().get(0).getHostAddress() : "127.0.0.1";

    once(client, address, port, warmUp);
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpu = os.getProcessCpuTime();
    long started = System.nanoTime();
    once(client, address, port, n);
    double seconds = (System.nanoTime() - started) / 1e9;
    cpu = os.getProcessCpuTime() - cpu;
    served.get(60, TimeUnit.SECONDS);
    double figure = work.endsWith("echo") ? n / 1e6 / seconds : n / seconds;
    return new double[] {figure, cpu};
  }

  /** One run of the client: the guest's, or the Java member's. */
  private void once(GuestProgram client, String address, int port, long n) throws Exception {
    switch (work) {
      case "pingpong", "echo", "churn" -> {
        int size = work.equals("echo") ? CHUNK : MESSAGE;
        client.run(
            List.of(work, address, "" + port, "" + n, "" + size),
            OutputStream.nullOutputStream(),
            b -> b.withTransport(transport(clientHost)));
      }
      case "java-pingpong", "java-echo" -> {
        // n is bytes for echo, round trips for pingpong.
        int size = work.equals("java-echo") ? CHUNK : MESSAGE;
        long step = work.equals("java-echo") ? CHUNK : 1;
        try (ByteChannel channel = javaConnect(address, port)) {
          ByteBuffer buffer = ByteBuffer.allocate(size);
          for (long left = n; left > 0; left -= step) {
            exchange(channel, buffer.clear().limit((int) Math.min(left, size)));
          }
        }
      }
      default -> throw new IllegalArgumentException("unknown work " + work);
    }
  }

  /**
   * A guest's transport: on {@code host} of the virtual network, or OS sockets; both spin alike.
   */
  private Transport transport(VirtualHost host) {
    return virtual ? host.newTransport(spin) : new DirectTransport(spin);
  }

  private ByteChannel javaConnect(String address, int port) throws IOException {
    if (virtual) {
      return clientHost.connect(new InetSocketAddress(InetAddress.getByName(address), port));
    }
    SocketChannel channel = SocketChannel.open(new InetSocketAddress(address, port));
    channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
    return channel;
  }

  private static void exchange(ByteChannel channel, ByteBuffer buffer) throws IOException {
    int size = buffer.limit();
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
    buffer.clear().limit(size);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer) < 0) {
        throw new IOException("the echo server closed early");
      }
    }
  }
}
