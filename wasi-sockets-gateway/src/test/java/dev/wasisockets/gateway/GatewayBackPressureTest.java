package dev.wasisockets.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.wasmnet.NettyLeakCheck;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.Request;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Neither side can make the gateway buffer without bound: a client that does not read stops the
 * reads from its peers, a peer that does not read stops the reads from its client.
 */
@ExtendWith(NettyLeakCheck.class)
class GatewayBackPressureTest {
  /** Far above Netty's high water mark (64 KiB) plus one read, far below what was sent. */
  private static final long BOUND = 1024 * 1024;

  private static final int CHUNK = 64 * 1024;

  private WasmnetGateway gateway;
  private ServerSocketChannel server;

  @BeforeEach
  void start() throws Exception {
    gateway = TestGateways.onLoopback().build().start();
    server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    server.close();
  }

  @Test
  void aClientThatDoesNotReadPausesItsPeers() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway);
        SocketChannel peer = connect(client)) {
      SessionProbe session = new SessionProbe(gateway);
      client.pause();

      peer.configureBlocking(false);
      long written = 0;
      ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
      while (true) {
        fill(chunk, written);
        int n = peer.write(chunk);
        written += n;
        if (n == 0 && !session.readsPeer(1)) {
          break; // the peer's socket is full and the gateway no longer reads it
        }
        Thread.onSpinWait();
      }

      assertThat(session.pendingToClient()).isLessThan(BOUND);
      assertThat(written).isGreaterThan(BOUND);

      client.resume();
      long received = 0;
      while (received < written) {
        byte[] data = client.next(Event.Data.class).data();
        for (byte b : data) {
          assertThat(b).isEqualTo(patternAt(received++));
        }
      }
    }
  }

  @Test
  void aPeerThatDoesNotReadPausesTheClient() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway);
        SocketChannel peer = connect(client)) {
      SessionProbe session = new SessionProbe(gateway);

      // The JDK client sends one message at a time and blocks when the gateway stops reading.
      CompletableFuture<Long> sent =
          CompletableFuture.supplyAsync(
              () -> {
                long total = 0;
                for (int i = 0; i < 400; i++) {
                  byte[] data = new byte[CHUNK];
                  ByteBuffer wrapped = ByteBuffer.wrap(data);
                  fill(wrapped, total);
                  client.sendBinary(new Request.Send(1, data));
                  total += CHUNK;
                }
                return total;
              });
      while (session.readsClient()) {
        Thread.onSpinWait();
      }
      assertThat(session.pendingToPeer(1)).isLessThan(BOUND);
      assertThat(sent).isNotDone();

      long received = 0;
      ByteBuffer in = ByteBuffer.allocate(CHUNK);
      while (!sent.isDone() || received < sent.join()) {
        in.clear();
        peer.read(in);
        in.flip();
        while (in.hasRemaining()) {
          assertThat(in.get()).isEqualTo(patternAt(received++));
        }
      }
      assertThat(received).isEqualTo(400L * CHUNK);
    }
  }

  private SocketChannel connect(WasmnetTestClient client) throws Exception {
    client.sendJson(new Request.Connect(1, "127.0.0.1", server.socket().getLocalPort()));
    SocketChannel peer = server.accept();
    assertThat(client.next()).isEqualTo(new Event.Connected(1));
    return peer;
  }

  /** Fills {@code buffer} with the pattern from stream offset {@code offset}, ready to write. */
  private static void fill(ByteBuffer buffer, long offset) {
    buffer.clear();
    for (int i = 0; i < buffer.capacity(); i++) {
      buffer.put(patternAt(offset + i));
    }
    buffer.flip();
  }

  private static byte patternAt(long offset) {
    return (byte) (offset % 251);
  }
}
