package dev.wasisockets.wasmnet.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.transport.Readiness;
import dev.wasisockets.transport.ReadinessSet;
import dev.wasisockets.transport.TcpChannel;
import dev.wasisockets.wasmnet.NettyLeakCheck;
import dev.wasisockets.wasmnet.protocol.BinaryFraming;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.MessageType;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The {@code send} frames the transport puts on the wire, read raw by a server that does its own
 * handshake: masked as RFC 6455 §5.3 says (mask bit set, a fresh key per frame), a large write
 * split into frames of at most 64 KiB of data, and every byte there, in order, once unmasked.
 */
@ExtendWith(NettyLeakCheck.class)
@Timeout(60)
class WasmnetSendFramesTest {
  private static final String WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  /** One client frame as it came: first byte, whether masked, its key, its unmasked payload. */
  private record ClientFrame(int first, boolean masked, int key, byte[] payload) {}

  @Test
  void aLargeWriteGoesOutAsMaskedFramesOfAtMost64KiBOfData() throws Exception {
    byte[] sent = new byte[300_000];
    new Random(5).nextBytes(sent);
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<List<ClientFrame>> frames =
          CompletableFuture.supplyAsync(() -> serveOneClient(server, sent.length));
      try (WasmnetTransport transport =
          WasmnetTransport.connect(
              URI.create("ws://127.0.0.1:" + server.getLocalPort() + "/"),
              WasmnetOptions.DEFAULT)) {
        TcpChannel channel = transport.openTcp(StandardProtocolFamily.INET);
        channel.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9));
        ReadinessSet set = new ReadinessSet();
        while (!channel.finishConnect()) {
          set.clear().add(channel, Readiness.CONNECT);
          transport.await(set, 10_000_000_000L);
        }
        ByteBuffer[] srcs = {
          ByteBuffer.wrap(sent, 0, 100_000), ByteBuffer.wrap(sent, 100_000, 200_000)
        };
        while (srcs[1].hasRemaining()) {
          if (channel.write(srcs) == 0) {
            set.clear().add(channel, Readiness.WRITE);
            transport.await(set, 10_000_000_000L);
          }
        }
        List<ClientFrame> all = frames.get(30, TimeUnit.SECONDS);

        ByteArrayOutputStream data = new ByteArrayOutputStream();
        Set<Integer> keys = new HashSet<>();
        int sends = 0;
        for (ClientFrame frame : all) {
          assertThat(frame.masked()).as("a client frame is masked").isTrue();
          assertThat(frame.first()).as("FIN, binary").isEqualTo(0x82);
          keys.add(frame.key());
          ByteBuffer payload = ByteBuffer.wrap(frame.payload());
          if ((payload.get(0) & 0xff) == MessageType.SEND.code()) {
            assertThat(payload.remaining() - BinaryFraming.HEADER_BYTES)
                .isLessThanOrEqualTo(WasmnetTcpChannel.FRAME_BYTES);
            data.write(
                frame.payload(),
                BinaryFraming.HEADER_BYTES,
                payload.remaining() - BinaryFraming.HEADER_BYTES);
            sends++;
          }
        }
        assertThat(data.toByteArray()).isEqualTo(sent);
        // 300,000 bytes in 64 KiB frames, across the two buffers: five, the last one short.
        assertThat(sends).isEqualTo(5);
        // A key that repeated among the six frames would be one chance in about 2^30.
        assertThat(keys).hasSize(all.size());
      }
    }
  }

  @Test
  void maskingMatchesTheRfcsBytewiseDefinition() {
    Random random = new Random(3);
    for (int length = 0; length < 40; length++) {
      byte[] bytes = new byte[length + 3];
      random.nextBytes(bytes);
      int key = random.nextInt();
      byte[] expected = bytes.clone();
      for (int i = 0; i < length; i++) { // RFC 6455 §5.3: octet i XOR key octet i mod 4
        expected[3 + i] ^= (byte) (key >>> (24 - 8 * (i % 4)));
      }
      MaskedSendFrame.mask(ByteBuffer.wrap(bytes).position(3), key);
      assertThat(bytes).as("length " + length).isEqualTo(expected);
    }
  }

  /**
   * Accepts one WebSocket client, answers its connect with {@code connected}, and collects its
   * frames until {@code expected} bytes of {@code send} have come.
   */
  private static List<ClientFrame> serveOneClient(ServerSocket server, int expected) {
    try (Socket socket = server.accept()) {
      DataInputStream in = new DataInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      out.write(handshakeAnswer(readHead(in)).getBytes(StandardCharsets.ISO_8859_1));
      List<ClientFrame> frames = new ArrayList<>();
      int data = 0;
      while (data < expected) {
        ClientFrame frame = readFrame(in);
        frames.add(frame);
        ByteBuffer payload = ByteBuffer.wrap(frame.payload());
        if ((payload.get(0) & 0xff) == MessageType.CONNECT.code()) {
          byte[] connected = BinaryFraming.encode(new Event.Connected(payload.getLong(1)));
          out.write(new byte[] {(byte) 0x82, (byte) connected.length});
          out.write(connected);
        } else {
          data += payload.remaining() - BinaryFraming.HEADER_BYTES;
        }
      }
      return frames;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String readHead(DataInputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      head.append((char) in.readUnsignedByte());
    }
    return head.toString();
  }

  private static String handshakeAnswer(String head) throws Exception {
    Matcher key = Pattern.compile("(?i)sec-websocket-key: *(\\S+)").matcher(head);
    assertThat(key.find()).isTrue();
    byte[] sha1 =
        MessageDigest.getInstance("SHA-1")
            .digest((key.group(1) + WEBSOCKET_GUID).getBytes(StandardCharsets.ISO_8859_1));
    return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Accept: "
        + Base64.getEncoder().encodeToString(sha1)
        + "\r\n\r\n";
  }

  private static ClientFrame readFrame(DataInputStream in) throws IOException {
    int first = in.readUnsignedByte();
    int second = in.readUnsignedByte();
    long length = second & 0x7f;
    if (length == 126) {
      length = in.readUnsignedShort();
    } else if (length == 127) {
      length = in.readLong();
    }
    boolean masked = (second & 0x80) != 0;
    int key = masked ? in.readInt() : 0;
    byte[] payload = new byte[(int) length];
    in.readFully(payload);
    for (int i = 0; i < payload.length; i++) {
      payload[i] ^= (byte) (key >>> (24 - 8 * (i & 3)));
    }
    return new ClientFrame(first, masked, key, payload);
  }
}
