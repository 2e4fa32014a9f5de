package dev.wasisockets.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The load on an echo server, in a JVM of its own (pinned away from the server): {@code EchoLoad
 * bulk|pingpong PORT SERVER_PID AMOUNT}. First a warm-up connection with a tenth of the work, then
 * the measured one; each is checked byte for byte. Prints {@code RESULT <figure> <server CPU
 * seconds> <server peak RSS KiB> <seconds> <own CPU seconds>}: the figure (MB/s echoed, or round
 * trips/s), the server's CPU over the measured connection's window (from its first byte sent to its
 * last byte back), the window's length and this process's CPU over it.
 *
 * <ul>
 *   <li>bulk: sends AMOUNT bytes in 64 KiB writes on one thread while another reads the echo, at
 *       the same time, as a client of a server does.
 *   <li>pingpong: AMOUNT round trips of a 64-byte request and its 64-byte echo, TCP_NODELAY.
 * </ul>
 */
public final class EchoLoad {
  private static final int CHUNK = 64 * 1024;
  private static final int MESSAGE = 64;

  /**
   * The bytes sent: byte i of a connection is PATTERN[i % PERIOD]. The period is prime, so a 16 or
   * 64 KiB piece of the stream lost, repeated or swapped on the way back never lines up with the
   * pattern again.
   */
  private static final int PERIOD = 65_521;

  private static final ByteBuffer PATTERN = pattern();

  /** Longer than any row takes: a server that stops echoing ends the row instead of hanging it. */
  private static final long LIMIT_MINUTES = 10;

  private EchoLoad() {}

  public static void main(String[] args) throws Exception {
    Thread limit =
        new Thread(
            () -> {
              try {
                Thread.sleep(LIMIT_MINUTES * 60_000);
                System.out.println("no echo within " + LIMIT_MINUTES + " minutes");
                System.exit(3);
              } catch (InterruptedException e) {
                // ended in time
              }
            });
    limit.setDaemon(true);
    limit.start();
    String work = args[0];
    InetSocketAddress server =
        new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(args[1]));
    long serverPid = Long.parseLong(args[2]);
    long amount = Long.parseLong(args[3]);
    Window window =
        switch (work) {
          case "bulk" -> {
            bulk(server, serverPid, Math.max(CHUNK, amount / 10));
            yield bulk(server, serverPid, amount);
          }
          case "pingpong" -> {
            pingPong(server, serverPid, Math.max(1, amount / 10));
            yield pingPong(server, serverPid, amount);
          }
          default -> throw new IllegalArgumentException("unknown work " + work);
        };
    double figure = work.equals("bulk") ? amount / 1e6 / window.seconds : amount / window.seconds;
    System.out.printf(
        "RESULT %.1f %.3f %d %.3f %.3f%n",
        figure, window.cpuSeconds, window.serverPeakRssKib, window.seconds, window.loadCpuSeconds);
  }

  /**
   * A measured connection's window: its wall seconds, the CPU seconds of the server and of this
   * process meanwhile, and the server's peak RSS at its end.
   */
  static final class Window {
    private final long serverPid;
    private final long startNanos;
    private final double startCpu;
    private final double startLoadCpu;
    private double seconds;
    private double cpuSeconds;
    private double loadCpuSeconds;
    private long serverPeakRssKib;

    Window(long serverPid) {
      this.serverPid = serverPid;
      this.startCpu = ProcessAccounting.cpuSeconds(serverPid);
      this.startLoadCpu = ProcessAccounting.cpuSeconds(ProcessHandle.current().pid());
      this.startNanos = System.nanoTime();
    }

    Window end() {
      seconds = (System.nanoTime() - startNanos) / 1e9;
      cpuSeconds = ProcessAccounting.cpuSeconds(serverPid) - startCpu;
      loadCpuSeconds = ProcessAccounting.cpuSeconds(ProcessHandle.current().pid()) - startLoadCpu;
      serverPeakRssKib = ProcessAccounting.peakRssKib(serverPid); // it ends once the load closes
      return this;
    }
  }

  static Window bulk(InetSocketAddress server, long serverPid, long bytes)
      throws IOException, InterruptedException, ExecutionException {
    try (SocketChannel channel = SocketChannel.open(server)) {
      Window window = new Window(serverPid);
      CompletableFuture<Void> sender =
          CompletableFuture.runAsync(
              () -> {
                try {
                  for (long sent = 0; sent < bytes; ) {
                    int offset = (int) (sent % PERIOD);
                    int length = (int) Math.min(CHUNK, bytes - sent);
                    ByteBuffer piece = PATTERN.duplicate().position(offset).limit(offset + length);
                    while (piece.hasRemaining()) {
                      sent += channel.write(piece);
                    }
                  }
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK);
      for (long received = 0; received < bytes; ) {
        buffer.clear().limit((int) Math.min(CHUNK, bytes - received));
        int n = channel.read(buffer);
        if (n < 0) {
          throw new IOException("the server closed after " + received + " of " + bytes + " bytes");
        }
        int offset = (int) (received % PERIOD);
        if (buffer.flip().mismatch(PATTERN.duplicate().position(offset).limit(offset + n)) >= 0) {
          throw new IOException(
              "the echo differs from what was sent, within bytes "
                  + received
                  + " to "
                  + (received + n));
        }
        received += n;
      }
      window.end();
      sender.get();
      expectEnd(channel, buffer);
      return window;
    }
  }

  static Window pingPong(InetSocketAddress server, long serverPid, long roundTrips)
      throws IOException {
    try (SocketChannel channel = SocketChannel.open()) {
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      channel.connect(server);
      ByteBuffer request = ByteBuffer.allocateDirect(MESSAGE);
      ByteBuffer reply = ByteBuffer.allocateDirect(MESSAGE);
      Window window = new Window(serverPid);
      for (long i = 0; i < roundTrips; i++) {
        request.clear();
        while (request.hasRemaining()) {
          request.putLong(i); // each request differs from the last
        }
        request.flip();
        while (request.hasRemaining()) {
          channel.write(request);
        }
        reply.clear();
        while (reply.hasRemaining()) {
          if (channel.read(reply) < 0) {
            throw new IOException("the server closed after " + i + " round trips");
          }
        }
        if (reply.flip().mismatch(request.flip()) >= 0) {
          throw new IOException("reply " + i + " differs from its request");
        }
      }
      window.end();
      expectEnd(channel, reply);
      return window;
    }
  }

  /** Closes the sending side and expects the server to close too, with nothing more sent. */
  private static void expectEnd(SocketChannel channel, ByteBuffer buffer) throws IOException {
    channel.shutdownOutput();
    int n = channel.read(buffer.clear());
    if (n >= 0) {
      throw new IOException("the server sent " + n + " bytes more than it was sent");
    }
  }

  private static ByteBuffer pattern() {
    // A period and one piece more: every piece of the stream is one slice of it.
    byte[] period = new byte[PERIOD];
    new Random(11).nextBytes(period);
    ByteBuffer pattern = ByteBuffer.allocateDirect(PERIOD + CHUNK);
    while (pattern.hasRemaining()) {
      pattern.put(period, 0, Math.min(PERIOD, pattern.remaining()));
    }
    return pattern.flip().asReadOnlyBuffer();
  }
}
