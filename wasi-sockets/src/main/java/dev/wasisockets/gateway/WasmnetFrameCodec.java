package dev.wasisockets.gateway;

import dev.wasisockets.wasmnet.BinaryFraming;
import dev.wasisockets.wasmnet.Event;
import dev.wasisockets.wasmnet.JsonFraming;
import dev.wasisockets.wasmnet.ProtocolException;
import io.netty.buffer.ByteBuf;
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
 */
final class WasmnetFrameCodec extends MessageToMessageCodec<WebSocketFrame, Event> {
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
      out.add(
          binary
              ? BinaryFraming.decodeRequest(content.nioBuffer())
              : JsonFraming.decodeRequest(utf8(content)));
    } catch (ProtocolException e) {
      // Through the whole pipeline, so that this codec encodes it.
      ctx.channel().writeAndFlush(new Event.Error(e.id(), e.getMessage()));
    }
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, Event event, List<Object> out) {
    out.add(
        binary
            ? new BinaryWebSocketFrame(Unpooled.wrappedBuffer(BinaryFraming.encode(event)))
            : new TextWebSocketFrame(JsonFraming.encode(event)));
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
