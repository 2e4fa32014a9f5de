package dev.wasisockets.gateway;

import dev.wasisockets.wasmnet.protocol.BinaryFraming;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.JsonFraming;
import dev.wasisockets.wasmnet.protocol.MessageType;
import dev.wasisockets.wasmnet.protocol.ProtocolException;
import dev.wasisockets.wasmnet.protocol.Request;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Whole WebSocket messages to wasmnet requests, events to messages. A text message is JSON framing,
 * a binary one binary framing; events go out in the framing of the client's latest message. A
 * message that is not a request is answered here with an {@code error} event, and the session never
 * sees it.
 *
 * <p>Bytes take a path of their own: a {@code send} comes in as {@link SocketBytes} (in binary
 * framing, a slice of the frame) and a connection's bytes go out copied once into a pooled frame
 * buffer, so no chunk becomes garbage on its way through.
 */
final class WasmnetFrameCodec extends MessageToMessageCodec<WebSocketFrame, Object> {
  /** The longest message an {@code error} or {@code denied} carries, in UTF-16 characters. */
  static final int MAX_MESSAGE_CHARS = 1024;

  private final int maxFrameBytes;
  private boolean binary;

  WasmnetFrameCodec(int maxFrameBytes) {
    this.maxFrameBytes = maxFrameBytes;
  }

  @Override
  public boolean acceptInboundMessage(Object msg) {
    // Ping, pong and close stay with the WebSocket protocol handler before this one.
    return msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
    binary = frame instanceof BinaryWebSocketFrame;
    ByteBuf content = frame.content();
    try {
      if (content.readableBytes() > maxFrameBytes) {
        throw new ProtocolException(
            binary && content.readableBytes() >= BinaryFraming.HEADER_BYTES
                ? content.getLong(content.readerIndex() + 1)
                : 0,
            "message of "
                + content.readableBytes()
                + " bytes is over the limit of "
                + maxFrameBytes);
      }
      int start = content.readerIndex();
      if (binary
          && content.readableBytes() >= BinaryFraming.HEADER_BYTES
          && content.getUnsignedByte(start) == MessageType.SEND.code()) {
        int payload = content.readableBytes() - BinaryFraming.HEADER_BYTES;
        out.add(
            new SocketBytes(
                content.getLong(start + 1),
                content.retainedSlice(start + BinaryFraming.HEADER_BYTES, payload)));
        return;
      }
      Request request =
          binary
              ? BinaryFraming.decodeRequest(content.nioBuffer())
              : JsonFraming.decodeRequest(utf8(content));
      out.add(
          request instanceof Request.Send send
              ? new SocketBytes(send.id(), Unpooled.wrappedBuffer(send.data()))
              : request);
    } catch (ProtocolException e) {
      // Through the whole pipeline, so that this codec encodes it.
      ctx.channel().writeAndFlush(new Event.Error(e.id(), e.getMessage()));
    }
  }

  @Override
  public boolean acceptOutboundMessage(Object msg) {
    return msg instanceof Event || msg instanceof SocketBytes;
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, Object message, List<Object> out) {
    if (message instanceof SocketBytes bytes) {
      out.add(
          binary
              ? dataFrame(ctx, bytes)
              : text(new Event.Data(bytes.id(), ByteBufUtil.getBytes(bytes.content()))));
      return;
    }
    Event event = quoteLess((Event) message);
    out.add(
        binary
            ? new BinaryWebSocketFrame(Unpooled.wrappedBuffer(BinaryFraming.encode(event)))
            : text(event));
  }

  /**
   * An error or denial with its message cut to {@link #MAX_MESSAGE_CHARS}: a message may quote what
   * the client sent (an op, a host name), and the answer to a request must not be as large as the
   * request, or a client that never reads could make the gateway queue a copy of all it sent.
   */
  static Event quoteLess(Event event) {
    if (event instanceof Event.Error error && error.msg().length() > MAX_MESSAGE_CHARS) {
      return new Event.Error(error.id(), cut(error.msg()));
    }
    if (event instanceof Event.Denied denied && denied.msg().length() > MAX_MESSAGE_CHARS) {
      return new Event.Denied(denied.id(), cut(denied.msg()));
    }
    return event;
  }

  /** The first characters and an ellipsis, {@link #MAX_MESSAGE_CHARS} in all; no half surrogate. */
  private static String cut(String message) {
    int end = MAX_MESSAGE_CHARS - 1;
    if (Character.isHighSurrogate(message.charAt(end - 1))) {
      end--;
    }
    return message.substring(0, end) + "…";
  }

  /**
   * A binary {@code data} frame. Bytes read from a plain TCP peer have room for the header before
   * them ({@link PeerReads}): it is written there and the read buffer is the frame, which the
   * WebSocket encoder sends behind its own header with one gathering write. Other bytes (TLS) are
   * copied once into a pooled buffer behind the header (a composite of the two would be merged into
   * a fresh heap buffer by the frame encoder).
   */
  private static BinaryWebSocketFrame dataFrame(ChannelHandlerContext ctx, SocketBytes bytes) {
    ByteBuf content = bytes.content();
    if (bytes.headerRoom()) {
      int start = content.readerIndex() - BinaryFraming.HEADER_BYTES;
      content.setBytes(start, BinaryFraming.header(MessageType.DATA, bytes.id()));
      return new BinaryWebSocketFrame(
          content.retainedSlice(start, BinaryFraming.HEADER_BYTES + content.readableBytes()));
    }
    ByteBuf frame = ctx.alloc().buffer(BinaryFraming.HEADER_BYTES + content.readableBytes());
    frame.writeBytes(BinaryFraming.header(MessageType.DATA, bytes.id()));
    frame.writeBytes(content, content.readerIndex(), content.readableBytes());
    return new BinaryWebSocketFrame(frame);
  }

  private static TextWebSocketFrame text(Event event) {
    return new TextWebSocketFrame(JsonFraming.encode(event));
  }

  private static String utf8(ByteBuf content) throws ProtocolException {
    ByteBuffer bytes = content.nioBuffer();
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(bytes).toString();
    } catch (CharacterCodingException e) {
      throw new ProtocolException(0, "text message is not valid UTF-8");
    }
  }
}
