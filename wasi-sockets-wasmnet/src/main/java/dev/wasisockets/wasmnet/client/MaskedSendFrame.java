package dev.wasisockets.wasmnet.client;

import dev.wasisockets.wasmnet.protocol.BinaryFraming;
import dev.wasisockets.wasmnet.protocol.MessageType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A binary {@code send} message as it goes on the wire: the WebSocket frame header, the masking key
 * and the masked payload, made on the guest's thread in one pass over a buffer the bytes are copied
 * into once. {@link PremaskedFrameEncoder} writes it as it is.
 *
 * <p>Netty's frame encoder would copy the payload a second time, into a new buffer, and mask it
 * eight bytes at a time through bounds- and reference-checked calls: that was about half of the
 * client's CPU on a bulk send. The frame is the same, masked as RFC 6455 §5.3 says, with a fresh
 * key from {@link MaskingKeys}.
 */
final class MaskedSendFrame extends BinaryWebSocketFrame {
  /** FIN set, opcode 2 (binary): a whole message in one frame. */
  private static final int FIN_BINARY = 0x82;

  private static final int MASKED = 0x80;

  private MaskedSendFrame(ByteBuf wireBytes) {
    super(wireBytes);
  }

  /**
   * The frame of a {@code send} for {@code id} carrying the next {@code count} bytes of {@code
   * srcs} (which it advances past them), masked with {@code key}.
   */
  static MaskedSendFrame of(
      ByteBufAllocator alloc, long id, ByteBuffer[] srcs, int count, int key) {
    int payload = BinaryFraming.HEADER_BYTES + count;
    int lengthBytes = payload <= 125 ? 0 : payload <= 0xFFFF ? 2 : 8;
    int total = 2 + lengthBytes + 4 + payload;
    ByteBuf frame = alloc.directBuffer(total, total);
    try {
      frame.writeByte(FIN_BINARY);
      if (lengthBytes == 0) {
        frame.writeByte(MASKED | payload);
      } else if (lengthBytes == 2) {
        frame.writeByte(MASKED | 126).writeShort(payload);
      } else {
        frame.writeByte(MASKED | 127).writeLong(payload);
      }
      frame.writeInt(key);
      ByteBuffer body = payloadView(frame, payload);
      body.put(BinaryFraming.header(MessageType.SEND, id));
      WebSocketLink.take(srcs, count, body::put);
      mask(body.flip(), key);
      if (frame.nioBufferCount() != 1) {
        frame.writeBytes(body); // the view was a copy: write the masked bytes into the frame
      } else {
        frame.writerIndex(total);
      }
      return new MaskedSendFrame(frame);
    } catch (RuntimeException | Error e) {
      frame.release();
      throw e;
    }
  }

  /**
   * Where the payload goes: the frame's own memory after its header when the buffer is one NIO
   * buffer (a pooled direct buffer is), else a buffer of its own to be copied in.
   */
  private static ByteBuffer payloadView(ByteBuf frame, int payload) {
    return frame.nioBufferCount() == 1
        ? frame.nioBuffer(frame.writerIndex(), payload)
        : ByteBuffer.allocate(payload);
  }

  /**
   * XORs {@code body} (from its position to its limit) with {@code key}'s bytes in turn, the first
   * payload byte with the key's first (most significant) byte: eight bytes at a time, in the
   * platform's order.
   */
  static void mask(ByteBuffer body, int key) {
    ByteBuffer bytes = body.slice().order(ByteOrder.LITTLE_ENDIAN);
    int little =
        Integer.reverseBytes(key); // byte 0 of the key is the lowest of a little-endian int
    long wide = (little & 0xFFFFFFFFL) | ((long) little << 32);
    int n = bytes.limit();
    int i = 0;
    for (; i + Long.BYTES <= n; i += Long.BYTES) {
      bytes.putLong(i, bytes.getLong(i) ^ wide);
    }
    for (; i < n; i++) {
      bytes.put(i, (byte) (bytes.get(i) ^ (key >>> (24 - 8 * (i & 3)))));
    }
  }
}
