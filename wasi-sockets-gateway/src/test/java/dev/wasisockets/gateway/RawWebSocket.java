package dev.wasisockets.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A WebSocket client that writes frames bit by bit as a test spells them (RFC 6455 §5.2), valid or
 * not: the JDK's client refuses to send what these tests need (a close code of 999, an unmasked
 * frame, reserved bits). Frames are masked unless a test says otherwise.
 */
final class RawWebSocket implements AutoCloseable {
  static final int CONTINUATION = 0x0;
  static final int TEXT = 0x1;
  static final int BINARY = 0x2;
  static final int CLOSE = 0x8;
  static final int PING = 0x9;

  /** Any key will do; the server unmasks with whatever the frame carries. */
  private static final byte[] MASK = {0x37, (byte) 0xfa, 0x21, 0x3d};

  private final Socket socket;
  private final OutputStream out;
  private final DataInputStream in;

  private RawWebSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.in = new DataInputStream(socket.getInputStream());
  }

  /** Opens a session: a valid upgrade, answered 101. */
  static RawWebSocket open(WasmnetGateway gateway) throws IOException {
    return open(gateway, "");
  }

  /**
   * Opens a session with {@code headerLines} (each ended by CRLF, one byte per char) added to a
   * valid upgrade.
   */
  static RawWebSocket open(WasmnetGateway gateway, String headerLines) throws IOException {
    Socket socket = RawHttp.open(gateway);
    RawWebSocket webSocket = new RawWebSocket(socket);
    String upgrade = "GET / HTTP/1.1\r\n" + RawHttp.UPGRADE_HEADERS + headerLines + "\r\n";
    webSocket.out.write(upgrade.getBytes(StandardCharsets.ISO_8859_1));
    webSocket.out.flush();
    assertThat(RawHttp.statusLine(webSocket.in)).startsWith("HTTP/1.1 101 ");
    RawHttp.skipHead(webSocket.in);
    return webSocket;
  }

  /** A masked frame with FIN and no reserved bits. */
  void send(int opcode, byte[] payload) throws IOException {
    send(true, opcode, payload);
  }

  void send(boolean fin, int opcode, byte[] payload) throws IOException {
    out.write(frame((fin ? 0x80 : 0) | opcode, true, payload));
    out.flush();
  }

  /** Writes {@code firstByte} (FIN, RSV1-3, opcode) as given; masks the payload if asked. */
  void sendRaw(int firstByte, boolean masked, byte[] payload) throws IOException {
    out.write(frame(firstByte, masked, payload));
    out.flush();
  }

  /** Only the header of a masked frame that announces {@code length} payload bytes. */
  void sendHeaderOnly(int firstByte, long length) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(14);
    header.put((byte) firstByte).put((byte) (0x80 | 127)).putLong(length).put(MASK);
    out.write(header.array());
    out.flush();
  }

  /** A close frame with {@code code} and no reason. */
  void sendClose(int code) throws IOException {
    send(CLOSE, new byte[] {(byte) (code >> 8), (byte) code});
  }

  /** The bytes of one frame on the wire. */
  static byte[] frame(int firstByte, boolean masked, byte[] payload) {
    int length = payload.length;
    int lengthBytes = length < 126 ? 0 : length <= 0xffff ? 2 : 8;
    ByteBuffer frame = ByteBuffer.allocate(2 + lengthBytes + (masked ? 4 : 0) + length);
    frame.put((byte) firstByte);
    int maskBit = masked ? 0x80 : 0;
    if (lengthBytes == 0) {
      frame.put((byte) (maskBit | length));
    } else if (lengthBytes == 2) {
      frame.put((byte) (maskBit | 126)).putShort((short) length);
    } else {
      frame.put((byte) (maskBit | 127)).putLong(length);
    }
    if (masked) {
      frame.put(MASK);
    }
    for (int i = 0; i < length; i++) {
      frame.put(masked ? (byte) (payload[i] ^ MASK[i & 3]) : payload[i]);
    }
    return frame.array();
  }

  /** One frame from the gateway (its frames are never masked): opcode and payload. */
  Frame read() throws IOException {
    int first = in.readUnsignedByte();
    int second = in.readUnsignedByte();
    assertThat(second & 0x80).as("a server frame is not masked").isZero();
    long length = second & 0x7f;
    if (length == 126) {
      length = in.readUnsignedShort();
    } else if (length == 127) {
      length = in.readLong();
    }
    assertThat(length).as("frame length").isLessThan(1 << 24);
    byte[] payload = new byte[(int) length];
    in.readFully(payload);
    return new Frame(first & 0x0f, payload);
  }

  /**
   * The status code of the gateway's close frame, skipping the frames before it; -1 if the
   * connection ends without one.
   */
  int closeCode() throws IOException {
    try {
      while (true) {
        Frame frame = read();
        if (frame.opcode() == CLOSE) {
          return frame.payload().length < 2
              ? 1005
              : ((frame.payload()[0] & 0xff) << 8) | (frame.payload()[1] & 0xff);
        }
      }
    } catch (EOFException | SocketException e) {
      return -1;
    }
  }

  Socket socket() {
    return socket;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  record Frame(int opcode, byte[] payload) {
    String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }
  }
}
