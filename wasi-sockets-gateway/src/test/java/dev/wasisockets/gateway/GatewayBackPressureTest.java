package dev.wasisockets.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.wasmnet.NettyLeakCheck;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.Request;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
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

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aClientThatDoesNotReadPausesEveryPeer() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway);
        SocketChannel first = connect(client, 1);
        SocketChannel second = connect(client, 2)) {
      SessionProbe session = new SessionProbe(gateway);
      client.pause();

      long firstWritten = writeUntilNotRead(first, session, 1);
      assertThat(session.readsPeer(2)).as("the peer that has sent nothing yet").isFalse();
      long secondWritten = writeUntilNotRead(second, session, 2);
      assertThat(session.pendingToClient()).isLessThan(BOUND);

      client.resume();
      long[] received = new long[3];
      while (received[1] < firstWritten || received[2] < secondWritten) {
        Event.Data data = client.next(Event.Data.class);
        for (byte b : data.data()) {
          assertThat(b).isEqualTo(patternAt(received[(int) data.id()]++));
        }
      }
      assertThat(received[1]).isEqualTo(firstWritten);
      assertThat(received[2]).isEqualTo(secondWritten);
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aConnectionAcceptedWhileTheClientIsBehindStartsPaused() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway);
        SocketChannel peer = connect(client, 1)) {
      client.sendJson(new Request.Bind(5, "127.0.0.1", 0));
      int port = client.next(Event.Listening.class).port();
      SessionProbe session = new SessionProbe(gateway);
      client.pause();
      long written = writeUntilNotRead(peer, session, 1);

      try (SocketChannel remote =
          SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
        long acceptedId = 5_000_001L;
        while (!session.holds(acceptedId)) {
          Thread.onSpinWait(); // the gateway accepts it on the session's loop
        }
        assertThat(session.readsPeer(acceptedId)).isFalse();
        remote.write(ByteBuffer.wrap(new byte[] {'h', 'i'}));

        // Once the client reads: the first peer's bytes, the accepted connection, its bytes.
        client.resume();
        long received = 0;
        ByteArrayOutputStream fromRemote = new ByteArrayOutputStream();
        boolean announced = false;
        while (received < written || fromRemote.size() < 2) {
          Event event = client.next();
          if (event instanceof Event.Accepted accepted) {
            assertThat(accepted.connId()).isEqualTo(acceptedId);
            announced = true;
          } else if (event instanceof Event.Data data && data.id() == acceptedId) {
            assertThat(announced).as("accepted before its data").isTrue();
            fromRemote.writeBytes(data.data());
          } else {
            for (byte b : ((Event.Data) event).data()) {
              assertThat(b).isEqualTo(patternAt(received++));
            }
          }
        }
        assertThat(fromRemote.toByteArray()).containsExactly('h', 'i');
      }
    }
  }

  /**
   * Writes the pattern from {@code peer} until its socket is full and the gateway no longer reads
   * connection {@code id}: the client's WebSocket is backed up. Returns the bytes written.
   */
  private static long writeUntilNotRead(SocketChannel peer, SessionProbe session, long id)
      throws Exception {
    peer.configureBlocking(false);
    long written = 0;
    ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
    while (true) {
      fill(chunk, written);
      int n = peer.write(chunk);
      written += n;
      if (n == 0 && !session.readsPeer(id)) {
        return written;
      }
      Thread.onSpinWait();
    }
  }

  private SocketChannel connect(WasmnetTestClient client) throws Exception {
    return connect(client, 1);
  }

  private SocketChannel connect(WasmnetTestClient client, long id) throws Exception {
    client.sendJson(new Request.Connect(id, "127.0.0.1", server.socket().getLocalPort()));
    SocketChannel peer = server.accept();
    assertThat(client.next()).isEqualTo(new Event.Connected(id));
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
