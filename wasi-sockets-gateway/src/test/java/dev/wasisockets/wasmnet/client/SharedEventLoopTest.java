package dev.wasisockets.wasmnet.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.gateway.WasmnetGateway;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.transport.Readiness;
import dev.wasisockets.transport.ReadinessSet;
import dev.wasisockets.transport.TcpChannel;
import dev.wasisockets.wasmnet.NettyLeakCheck;
import dev.wasisockets.wasmnet.protocol.Framing;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.ResourceLeakDetector;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two transports whose links share one I/O thread (an embedder's group of one): what one guest does
 * must not hold up the other's link. Each test counts the quiet guest's round trips; a stalled link
 * shows as a test that never finishes, which the timeout ends.
 */
@ExtendWith(NettyLeakCheck.class)
class SharedEventLoopTest {
  private static final NetworkPolicy LOOPBACK =
      NetworkPolicy.builder().allow(NetworkUse.TCP_CONNECT, "loopback").build();
  private static final InetAddress LOCALHOST = InetAddress.getLoopbackAddress();
  private static final long WAIT = 30_000_000_000L;

  /**
   * A guest thread that keeps its transport's lock (here the test's thread, standing in for one
   * preempted or slow inside it) while its peer sends: the shared I/O thread holds those bytes back
   * instead of waiting, the other link's ping-pong goes on, and the bytes arrive whole and in order
   * once the lock is free.
   */
  @ParameterizedTest
  @EnumSource(Framing.class)
  @Timeout(60)
  void aGuestKeepingItsLockDoesNotHoldUpAnotherLinkOnTheSameThread(Framing framing)
      throws Exception {
    byte[] burst = pattern(2 << 20);
    EventLoopGroup group = oneThread();
    try (WasmnetGateway gateway = gateway();
        Peer sender = new Peer(socket -> sendAndClose(socket, burst));
        Peer echo = new Peer(SharedEventLoopTest::echo);
        WasmnetTransport held = transport(gateway, framing, group);
        WasmnetTransport quiet = transport(gateway, framing, group)) {
      TcpChannel quietChannel = connect(quiet, echo.address());
      held.lock.lock();
      TcpChannel heldChannel;
      try {
        heldChannel = connect(held, sender.address()); // re-entrant: the lock is ours
        // The sender's bytes are on their way to the shared thread, which must not wait for us.
        assertThat(sender.written().get(30, TimeUnit.SECONDS)).isEqualTo(burst.length);
        assertThat(pingPong(quiet, quietChannel, 500)).isEqualTo(500);
      } finally {
        held.lock.unlock();
      }

      assertThat(readToEnd(held, heldChannel)).isEqualTo(burst);
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /**
   * One guest moves megabytes through an echo peer as fast as it can (JSON framing, where each
   * frame costs most to build) while the other plays ping-pong on the same I/O thread: the
   * ping-pong finishes its rounds, and the busy guest's bytes come back intact.
   */
  @Test
  @Timeout(120)
  void aBusyGuestsLargeTransfersDoNotStallAnotherGuestsPingPong() throws Exception {
    // Paranoid leak tracking records a stack per buffer access, which alone would saturate the
    // I/O thread at these volumes; sampled tracking still reports leaks.
    ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
    EventLoopGroup group = oneThread();
    AtomicBoolean stop = new AtomicBoolean();
    try (WasmnetGateway gateway = gateway();
        Peer echo = new Peer(SharedEventLoopTest::echo);
        WasmnetTransport busy = transport(gateway, Framing.JSON, group);
        WasmnetTransport quiet = transport(gateway, Framing.JSON, group)) {
      TcpChannel busyChannel = connect(busy, echo.address());
      TcpChannel quietChannel = connect(quiet, echo.address());
      AtomicLong echoed = new AtomicLong();
      CompletableFuture<Void> transfers =
          CompletableFuture.runAsync(
              () -> moveUntil(stop, busy, busyChannel, echoed),
              task -> new Thread(task, "busy-guest").start());

      long rounds = pingPong(quiet, quietChannel, 1_000);
      long echoedMeanwhile = echoed.get();
      stop.set(true);
      transfers.get(60, TimeUnit.SECONDS);

      assertThat(rounds).isEqualTo(1_000);
      assertThat(echoedMeanwhile).as("bytes the busy guest got back meanwhile").isPositive();
    } finally {
      stop.set(true);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
      ResourceLeakDetector.setLevel(level);
    }
  }

  /** Writes 1 MiB at a time and reads the echo back, checking every byte, until told to stop. */
  private static void moveUntil(
      AtomicBoolean stop, WasmnetTransport transport, TcpChannel channel, AtomicLong echoed) {
    byte[] chunk = pattern(1 << 20);
    ByteBuffer out = ByteBuffer.allocateDirect(chunk.length).limit(0);
    ByteBuffer in = ByteBuffer.allocateDirect(4 << 20);
    long sent = 0;
    long received = 0;
    try {
      while (!stop.get() || received < sent) {
        if (!out.hasRemaining() && !stop.get()) {
          out.clear().put(chunk).flip();
        }
        long wrote = out.hasRemaining() ? channel.write(new ByteBuffer[] {out}) : 0;
        sent += wrote;
        in.clear();
        int read = channel.read(in);
        for (int i = 0; i < read; i++) {
          assertThat(in.get(i)).isEqualTo(chunk[(int) ((received + i) % chunk.length)]);
        }
        received += Math.max(read, 0);
        echoed.set(received);
        if (wrote == 0 && read == 0) {
          await(transport, channel, Readiness.READ | (out.hasRemaining() ? Readiness.WRITE : 0));
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** {@code rounds} one-byte round trips through an echo peer; returns how many completed. */
  private static long pingPong(WasmnetTransport transport, TcpChannel channel, int rounds)
      throws IOException {
    ByteBuffer ping = ByteBuffer.allocate(1);
    ByteBuffer pong = ByteBuffer.allocate(1);
    long done = 0;
    for (int i = 0; i < rounds; i++) {
      ping.clear().put((byte) i).flip();
      while (ping.hasRemaining()) {
        if (channel.write(new ByteBuffer[] {ping}) == 0) {
          await(transport, channel, Readiness.WRITE);
        }
      }
      pong.clear();
      while (pong.hasRemaining()) {
        if (channel.read(pong) == 0) {
          await(transport, channel, Readiness.READ);
        }
      }
      assertThat(pong.get(0)).isEqualTo((byte) i);
      done++;
    }
    return done;
  }

  private static byte[] readToEnd(WasmnetTransport transport, TcpChannel channel)
      throws IOException {
    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
    ByteBuffer in = ByteBuffer.allocate(256 << 10);
    while (true) {
      in.clear();
      int n = channel.read(in);
      if (n < 0) {
        return all.toByteArray();
      }
      if (n == 0) {
        await(transport, channel, Readiness.READ);
      }
      all.write(in.array(), 0, n);
    }
  }

  private static TcpChannel connect(WasmnetTransport transport, InetSocketAddress peer)
      throws IOException {
    TcpChannel channel = transport.openTcp(StandardProtocolFamily.INET);
    channel.connect(peer);
    while (!channel.finishConnect()) {
      await(transport, channel, Readiness.CONNECT);
    }
    return channel;
  }

  private static void await(WasmnetTransport transport, TcpChannel channel, int interest)
      throws IOException {
    ReadinessSet set = new ReadinessSet();
    set.add(channel, interest);
    transport.await(set, WAIT);
  }

  private static byte[] pattern(int length) {
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) (i * 31 + (i >>> 11));
    }
    return bytes;
  }

  private static EventLoopGroup oneThread() {
    return new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  }

  private static WasmnetGateway gateway() throws IOException {
    return WasmnetGateway.builder().host("127.0.0.1").port(0).policy(LOOPBACK).build().start();
  }

  private static WasmnetTransport transport(
      WasmnetGateway gateway, Framing framing, EventLoopGroup group) throws IOException {
    URI uri = URI.create("ws://127.0.0.1:" + gateway.address().getPort() + "/");
    return WasmnetTransport.connect(uri, WasmnetOptions.DEFAULT.withFraming(framing), group);
  }

  private static int echo(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    OutputStream out = socket.getOutputStream();
    byte[] buffer = new byte[64 << 10];
    int total = 0;
    for (int n; (n = in.read(buffer)) >= 0; total += n) {
      out.write(buffer, 0, n);
    }
    return total;
  }

  private static int sendAndClose(Socket socket, byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.shutdownOutput();
    return bytes.length;
  }

  /**
   * A loopback peer that serves each connection on its own thread; {@link #written} completes with
   * what the first connection served returned.
   */
  private static final class Peer implements AutoCloseable {
    interface Serve {
      int serve(Socket socket) throws IOException;
    }

    private final ServerSocket server = new ServerSocket(0, 50, LOCALHOST);
    private final CompletableFuture<Integer> written = new CompletableFuture<>();

    Peer(Serve serve) throws IOException {
      Thread acceptor =
          new Thread(
              () -> {
                while (!server.isClosed()) {
                  try {
                    Socket socket = server.accept();
                    Thread connection = new Thread(() -> serveOne(serve, socket), "peer");
                    connection.setDaemon(true);
                    connection.start();
                  } catch (IOException e) {
                    return; // closed
                  }
                }
              },
              "peer-acceptor");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    private void serveOne(Serve serve, Socket socket) {
      try (socket) {
        written.complete(serve.serve(socket));
      } catch (IOException e) {
        written.completeExceptionally(e);
      }
    }

    InetSocketAddress address() {
      return new InetSocketAddress(LOCALHOST, server.getLocalPort());
    }

    CompletableFuture<Integer> written() {
      return written;
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
