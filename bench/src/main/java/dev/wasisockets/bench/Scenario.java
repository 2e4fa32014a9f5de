package dev.wasisockets.bench;

import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.gateway.WasmnetGateway;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.wasmnet.client.WasmnetOptions;
import dev.wasisockets.wasmnet.client.WasmnetTransport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.List;

/**
 * One measurement, in its own JVM so that its peak RSS is its own: {@code Scenario WORK MODE N},
 * where MODE is native, interpreter, compiler or wasmnet (the compiled guest's sockets through the
 * wasmnet transport to our gateway, both in this JVM, binary framing). Prints {@code RESULT
 * <figure> <peak RSS KiB> <CPU seconds>}: the CPU is this process's over the measured work, the
 * peer's (and the gateway's) included.
 */
public final class Scenario {
  private static final int MESSAGE = 64;
  private static final int CHUNK = 64 * 1024;

  private Scenario() {}

  public static void main(String[] args) throws Exception {
    String work = args[0];
    String mode = args[1];
    long n = Long.parseLong(args[2]);
    Figure figure =
        switch (work) {
          case "pingpong" -> pingPong(mode, n);
          case "bulk-send" -> bulkSend(mode, n);
          case "bulk-recv" -> bulkReceive(mode, n);
          case "churn" -> churn(mode, n);
          default -> throw new IllegalArgumentException("unknown work " + work);
        };
    System.out.printf("RESULT %.1f %d %.3f%n", figure.value(), peakRssKib(), figure.cpuSeconds());
  }

  /** What one piece of work measured: its figure, and the CPU seconds the work took. */
  private record Figure(double value, double cpuSeconds) {
    static Figure of(double value, Peers.Timing timing) throws InterruptedException {
      return new Figure(value, timing.cpuSeconds());
    }
  }

  /** Round trips per second of 64-byte messages. */
  private static Figure pingPong(String mode, long n) throws Exception {
    Peers.Timing timing = new Peers.Timing();
    try (ServerSocket echo = Peers.echo(timing)) {
      run(mode, "pingpong", echo, Math.max(1, n / 10), MESSAGE, Scenario::nativePingPong);
      timing.reset();
      run(mode, "pingpong", echo, n, MESSAGE, Scenario::nativePingPong);
      return Figure.of(n / timing.seconds(), timing);
    }
  }

  /** MB/s sent in 64 KiB writes. */
  private static Figure bulkSend(String mode, long bytes) throws Exception {
    Peers.Timing timing = new Peers.Timing();
    try (ServerSocket sink = Peers.sink(timing)) {
      run(mode, "send", sink, Math.max(CHUNK, bytes / 10), CHUNK, Scenario::nativeSend);
      timing.reset();
      run(mode, "send", sink, bytes, CHUNK, Scenario::nativeSend);
      return Figure.of(bytes / 1e6 / timing.seconds(), timing);
    }
  }

  /** MB/s received in 64 KiB reads. */
  private static Figure bulkReceive(String mode, long bytes) throws Exception {
    Peers.Timing warmup = new Peers.Timing();
    try (ServerSocket source = Peers.source(warmup, Math.max(CHUNK, bytes / 10))) {
      run(mode, "recv", source, Math.max(CHUNK, bytes / 10), CHUNK, Scenario::nativeReceive);
    }
    Peers.Timing timing = new Peers.Timing();
    try (ServerSocket source = Peers.source(timing, bytes)) {
      run(mode, "recv", source, bytes, CHUNK, Scenario::nativeReceive);
      return Figure.of(bytes / 1e6 / timing.seconds(), timing);
    }
  }

  /** Connections per second, each connect, one 64-byte exchange, close. */
  private static Figure churn(String mode, long n) throws Exception {
    Peers.Timing timing = new Peers.Timing();
    try (ServerSocket echo = Peers.echo(timing)) {
      run(mode, "churn", echo, Math.max(1, n / 10), MESSAGE, Scenario::nativeChurn);
      timing.reset();
      run(mode, "churn", echo, n, MESSAGE, Scenario::nativeChurn);
      return Figure.of(n / timing.seconds(), timing);
    }
  }

  /** The native side of one piece of work. */
  interface NativeClient {
    void run(InetSocketAddress peer, long n, int size) throws IOException;
  }

  private static void run(
      String mode, String guestMode, ServerSocket peer, long n, int size, NativeClient client)
      throws IOException {
    InetSocketAddress address =
        new InetSocketAddress(InetAddress.getLoopbackAddress(), peer.getLocalPort());
    if (mode.equals("native")) {
      client.run(address, n, size);
      return;
    }
    List<String> args = List.of(guestMode, "127.0.0.1", "" + address.getPort(), "" + n, "" + size);
    GuestProgram guest = new GuestProgram(GuestFixture.BENCH_CLIENT, mode);
    if (!mode.equals("wasmnet")) {
      guest.run(args);
      return;
    }
    try (WasmnetGateway gateway =
        WasmnetGateway.builder()
            .host("127.0.0.1")
            .port(0)
            .policy(NetworkPolicy.builder().allowAll().build())
            .build()
            .start()) {
      URI uri = URI.create("ws://127.0.0.1:" + gateway.address().getPort() + "/");
      WasmnetTransport transport = WasmnetTransport.connect(uri, WasmnetOptions.DEFAULT);
      guest.run(args, builder -> builder.withTransport(transport));
    }
  }

  private static SocketChannel connect(InetSocketAddress peer) throws IOException {
    SocketChannel channel = SocketChannel.open();
    channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
    channel.connect(peer);
    return channel;
  }

  private static void nativePingPong(InetSocketAddress peer, long n, int size) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(size);
    try (SocketChannel channel = connect(peer)) {
      for (long i = 0; i < n; i++) {
        exchange(channel, buffer);
      }
    }
  }

  private static void nativeChurn(InetSocketAddress peer, long n, int size) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(size);
    for (long i = 0; i < n; i++) {
      try (SocketChannel channel = connect(peer)) {
        exchange(channel, buffer);
      }
    }
  }

  private static void exchange(SocketChannel channel, ByteBuffer buffer) throws IOException {
    buffer.clear();
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
    buffer.clear();
    while (buffer.hasRemaining()) {
      if (channel.read(buffer) < 0) {
        throw new IOException("the peer closed early");
      }
    }
  }

  private static void nativeSend(InetSocketAddress peer, long bytes, int size) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(size);
    try (SocketChannel channel = connect(peer)) {
      for (long left = bytes; left > 0; ) {
        buffer.clear().limit((int) Math.min(left, size));
        while (buffer.hasRemaining()) {
          left -= channel.write(buffer);
        }
      }
      channel.shutdownOutput();
      channel.read(buffer.clear()); // until the peer closes: everything arrived
    }
  }

  private static void nativeReceive(InetSocketAddress peer, long bytes, int size)
      throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(size);
    try (SocketChannel channel = connect(peer)) {
      for (long left = bytes; left > 0; ) {
        buffer.clear().limit((int) Math.min(left, size));
        int n = channel.read(buffer);
        if (n < 0) {
          throw new IOException("the peer closed early");
        }
        left -= n;
      }
    }
  }

  /** This process's peak resident set (VmHWM), in KiB; 0 where /proc is not there. */
  static long peakRssKib() {
    try {
      return ProcessAccounting.peakRssKib(ProcessHandle.current().pid());
    } catch (UncheckedIOException e) {
      return 0; // not Linux
    }
  }
}
