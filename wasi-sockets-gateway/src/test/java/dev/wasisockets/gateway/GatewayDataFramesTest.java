package dev.wasisockets.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.wasmnet.NettyLeakCheck;
import dev.wasisockets.wasmnet.protocol.BinaryFraming;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.MessageType;
import dev.wasisockets.wasmnet.protocol.Request;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a peer's bytes look like on the client's WebSocket: binary {@code data} frames of at most 64
 * KiB of payload, header included, whatever the size of the peer's writes, carrying every byte in
 * order (they are framed in the buffers they were read into).
 */
@ExtendWith(NettyLeakCheck.class)
@Timeout(60)
class GatewayDataFramesTest {
  private static final int ID = 3;

  @Test
  void aPeersLargeWritesComeAsDataFramesOfAtMost64KiB() throws Exception {
    byte[] sent = new byte[(1 << 20) + 123];
    new Random(11).nextBytes(sent);
    try (WasmnetGateway gateway = TestGateways.onLoopback().build().start();
        ServerSocket peer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        RawWebSocket client = RawWebSocket.open(gateway)) {
      // The peer writes all of it at once, as fast as the gateway reads: reads of up to 64 KiB.
      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                try (Socket socket = peer.accept()) {
                  OutputStream out = socket.getOutputStream();
                  out.write(sent);
                  out.flush();
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
      client.send(
          RawWebSocket.BINARY,
          BinaryFraming.encode(new Request.Connect(ID, "127.0.0.1", peer.getLocalPort())));
      assertThat(event(client)).isEqualTo(new Event.Connected(ID));

      ByteArrayOutputStream received = new ByteArrayOutputStream();
      int largest = 0;
      while (true) {
        RawWebSocket.Frame frame = client.read();
        assertThat(frame.opcode()).isEqualTo(RawWebSocket.BINARY);
        ByteBuffer payload = ByteBuffer.wrap(frame.payload());
        if ((payload.get(0) & 0xff) != MessageType.DATA.code()) {
          assertThat(BinaryFraming.decodeEvent(payload)).isEqualTo(new Event.Closed(ID));
          break;
        }
        assertThat(payload.getLong(1)).isEqualTo(ID);
        largest = Math.max(largest, payload.remaining());
        received.write(
            frame.payload(),
            BinaryFraming.HEADER_BYTES,
            payload.remaining() - BinaryFraming.HEADER_BYTES);
      }
      writer.get(30, TimeUnit.SECONDS);
      assertThat(largest).isLessThanOrEqualTo(64 << 10);
      assertThat(received.toByteArray()).isEqualTo(sent);
    }
  }

  private static Event event(RawWebSocket client) throws Exception {
    return BinaryFraming.decodeEvent(ByteBuffer.wrap(client.read().payload()));
  }
}
