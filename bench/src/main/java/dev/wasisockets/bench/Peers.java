package dev.wasisockets.bench;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.function.LongSupplier;

/**
 * The loopback peers the benchmark clients talk to, the same for a guest and for the native
 * baseline: plain blocking Java sockets, one thread per connection.
 */
final class Peers {
  private Peers() {}

  /**
   * When the work happened, seen from the peer: from the first connection accepted to the last one
   * finished, and the CPU this process used meanwhile (the OS's accounting as the JVM reads it,
   * every thread: client and peer alike when both are in this JVM). Timing at the peer leaves out
   * what differs between a guest and a native client before the first byte (starting a Wasm
   * instance, compiling it).
   */
  static final class Timing {
    private static final OperatingSystemMXBean OS =
        (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private long first = Long.MAX_VALUE;
    private long last;
    private int open;
    private long firstCpu;
    private long lastCpu;

    synchronized void started() {
      if (first == Long.MAX_VALUE) {
        firstCpu = OS.getProcessCpuTime();
      }
      first = Math.min(first, System.nanoTime());
      open++;
    }

    synchronized void finished() {
      last = Math.max(last, System.nanoTime());
      if (--open == 0) {
        lastCpu = OS.getProcessCpuTime(); // about a microsecond: churn's 5,000 cost 1% at most
      }
      notifyAll();
    }

    /** Seconds from the first start to the last finish, once every connection has finished. */
    synchronized double seconds() throws InterruptedException {
      awaitIdle();
      return (last - first) / 1e9;
    }

    /** CPU seconds of this process from the first start to the last finish. */
    synchronized double cpuSeconds() throws InterruptedException {
      awaitIdle();
      return (lastCpu - firstCpu) / 1e9;
    }

    /** Waits for every connection to finish, then forgets them (after a warm-up). */
    synchronized void reset() throws InterruptedException {
      awaitIdle();
      first = Long.MAX_VALUE;
      last = 0;
    }

    private void awaitIdle() throws InterruptedException {
      long deadline = System.currentTimeMillis() + 60_000;
      while (open > 0 || first == Long.MAX_VALUE) {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          throw new IllegalStateException("the peer never saw the work end");
        }
        wait(left);
      }
    }
  }

  /** Echoes every byte back on every connection until the client closes. */
  static ServerSocket echo(Timing timing) throws IOException {
    return serve(
        timing,
        socket -> {
          socket.setTcpNoDelay(true);
          InputStream in = socket.getInputStream();
          OutputStream out = socket.getOutputStream();
          byte[] buffer = new byte[64 * 1024];
          int n;
          while ((n = in.read(buffer)) > 0) {
            out.write(buffer, 0, n);
          }
        });
  }

  /** Reads and discards everything, then closes: the client learns all arrived. */
  static ServerSocket sink(Timing timing) throws IOException {
    return serve(
        timing,
        socket -> {
          InputStream in = socket.getInputStream();
          byte[] buffer = new byte[64 * 1024];
          while (in.read(buffer) > 0) {
            // discard
          }
        });
  }

  /** Writes {@code bytes} bytes in 64 KiB writes, then closes. */
  static ServerSocket source(Timing timing, long bytes) throws IOException {
    return source(timing, () -> bytes);
  }

  /** Writes as many bytes as {@code bytes} says when a connection comes, then closes. */
  static ServerSocket source(Timing timing, LongSupplier bytes) throws IOException {
    return serve(
        timing,
        socket -> {
          OutputStream out = socket.getOutputStream();
          byte[] buffer = new byte[64 * 1024];
          for (long left = bytes.getAsLong(); left > 0; left -= buffer.length) {
            out.write(buffer, 0, (int) Math.min(left, buffer.length));
          }
          socket.shutdownOutput();
          socket.getInputStream().read(); // until the client has read it all and closed
        });
  }

  /** A connection handler that may fail. */
  interface Handler {
    void handle(Socket socket) throws IOException;
  }

  private static ServerSocket serve(Timing timing, Handler handler) throws IOException {
    ServerSocket server = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
    Thread acceptor =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try {
                  Socket socket = server.accept();
                  timing.started();
                  Thread worker =
                      new Thread(
                          () -> {
                            try (socket) {
                              handler.handle(socket);
                            } catch (IOException e) {
                              // the client went away
                            } finally {
                              timing.finished();
                            }
                          });
                  worker.setDaemon(true);
                  worker.start();
                } catch (IOException e) {
                  return;
                }
              }
            },
            "bench-peer");
    acceptor.setDaemon(true);
    acceptor.start();
    return server;
  }
}
