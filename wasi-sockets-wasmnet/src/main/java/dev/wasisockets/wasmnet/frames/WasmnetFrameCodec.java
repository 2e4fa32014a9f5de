package dev.wasisockets.wasmnet.frames;

import dev.wasisockets.wasmnet.protocol.BinaryFraming;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.Framing;
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
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Whole WebSocket messages to wasmnet messages and back, for either end of the link: a text message
 * is JSON framing, a binary one binary framing. The client ({@link #forClient}) reads events and
 * writes requests in the framing it was given; the gateway ({@link #forGateway}) reads requests and
 * writes events in the framing of the client's latest message.
 *
 * <p>Bytes take a path of their own, the same at both ends: a {@code data} (client) or {@code send}
 * (gateway) in binary framing comes in as {@link SocketBytes}, a slice of the frame, and {@link
 * SocketBytes} go out as one frame, in the buffer itself when it has room for the header ({@link
 * SocketBytes#headerRoom}) or copied once behind it. In JSON framing they are base64 in the
 * message, copied as they must be.
 *
 * <p>Every frame is hostile: one that does not decode never reaches the next handler. The gateway
 * answers it with an {@code error} event for the id it could read (0 if none); the client logs it
 * and drops it (a server's bad frame names nothing the client could answer).
 */
public final class WasmnetFrameCodec extends MessageToMessageCodec<WebSocketFrame, Object> {
  private static final Logger LOG = Logger.getLogger(WasmnetFrameCodec.class.getName());

  private final boolean gateway;
  private final boolean followsPeer;
  private final int maxMessageBytes;
  private boolean binary;

  private WasmnetFrameCodec(
      boolean gateway, boolean followsPeer, boolean binary, int maxMessageBytes) {
    this.gateway = gateway;
    this.followsPeer = followsPeer;
    this.binary = binary;
    this.maxMessageBytes = maxMessageBytes;
  }

  /** The client's end: events in, requests out in {@code framing}. */
  public static WasmnetFrameCodec forClient(Framing framing, int maxMessageBytes) {
    return new WasmnetFrameCodec(false, false, framing == Framing.BINARY, maxMessageBytes);
  }

  /** The gateway's end: requests in, events out in the framing the client last used. */
  public static WasmnetFrameCodec forGateway(int maxMessageBytes) {
    return new WasmnetFrameCodec(true, true, false, maxMessageBytes);
  }

  @Override
  public boolean acceptInboundMessage(Object msg) {
    // Ping, pong and close stay with the WebSocket protocol handler before this one.
    return msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
    boolean binaryFrame = frame instanceof BinaryWebSocketFrame;
    if (followsPeer) {
      binary = binaryFrame;
    }
    ByteBuf content = frame.content();
    try {
      int start = content.readerIndex();
      boolean header = binaryFrame && content.readableBytes() >= BinaryFraming.HEADER_BYTES;
      if (content.readableBytes() > maxMessageBytes) {
        throw new ProtocolException(
            header ? content.getLong(start + 1) : 0,
            "message of "
                + content.readableBytes()
                + " bytes is over the limit of "
                + maxMessageBytes);
      }
      if (header && content.getUnsignedByte(start) == bytesIn().code()) {
        int payload = content.readableBytes() - BinaryFraming.HEADER_BYTES;
        out.add(
            new SocketBytes(
                content.getLong(start + 1),
                content.retainedSlice(start + BinaryFraming.HEADER_BYTES, payload)));
        return;
      }
      out.add(
          binaryFrame ? bytesAsBuffer(decodeBinary(content)) : bytesAsBuffer(decodeText(content)));
    } catch (ProtocolException e) {
      undecodable(ctx, e);
    }
  }

  @Override
  public boolean acceptOutboundMessage(Object msg) {
    return msg instanceof SocketBytes || (gateway ? msg instanceof Event : msg instanceof Request);
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, Object message, List<Object> out) {
    if (message instanceof SocketBytes bytes) {
      out.add(binary ? bytesFrame(ctx, bytes) : text(bytesAsMessage(bytes)));
    } else if (binary) {
      byte[] frame =
          gateway ? BinaryFraming.encode((Event) message) : BinaryFraming.encode((Request) message);
      out.add(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame)));
    } else {
      out.add(text(message));
    }
  }

  /** What carries bytes towards this end: {@code send} to the gateway, {@code data} to a client. */
  private MessageType bytesIn() {
    return gateway ? MessageType.SEND : MessageType.DATA;
  }

  private Object decodeBinary(ByteBuf content) throws ProtocolException {
    ByteBuffer frame = content.nioBuffer();
    return gateway ? BinaryFraming.decodeRequest(frame) : BinaryFraming.decodeEvent(frame);
  }

  private Object decodeText(ByteBuf content) throws ProtocolException {
    String text = utf8(content);
    return gateway ? JsonFraming.decodeRequest(text) : JsonFraming.decodeEvent(text);
  }

  /** A decoded {@code send} or {@code data} as {@link SocketBytes}, any other message as is. */
  private static Object bytesAsBuffer(Object message) {
    if (message instanceof Request.Send send) {
      return new SocketBytes(send.id(), Unpooled.wrappedBuffer(send.data()));
    }
    if (message instanceof Event.Data data) {
      return new SocketBytes(data.id(), Unpooled.wrappedBuffer(data.data()));
    }
    return message;
  }

  private Object bytesAsMessage(SocketBytes bytes) {
    ByteBuf content = bytes.content();
    // The buffer's own array when it is exactly the bytes (a client's JSON send): base64 copies.
    byte[] data =
        ByteBufUtil.getBytes(content, content.readerIndex(), content.readableBytes(), false);
    return gateway ? new Event.Data(bytes.id(), data) : new Request.Send(bytes.id(), data);
  }

  /**
   * A binary {@code data} or {@code send} frame. Bytes with room for the header before them get it
   * written there, and their buffer is the frame, which the WebSocket encoder sends behind its own
   * header with one gathering write. Other bytes are copied once into a pooled buffer behind the
   * header (a composite of the two would be merged into a fresh heap buffer by the frame encoder).
   */
  private BinaryWebSocketFrame bytesFrame(ChannelHandlerContext ctx, SocketBytes bytes) {
    MessageType type = gateway ? MessageType.DATA : MessageType.SEND;
    ByteBuf content = bytes.content();
    if (bytes.headerRoom()) {
      int start = content.readerIndex() - BinaryFraming.HEADER_BYTES;
      content.setBytes(start, BinaryFraming.header(type, bytes.id()));
      return new BinaryWebSocketFrame(
          content.retainedSlice(start, BinaryFraming.HEADER_BYTES + content.readableBytes()));
    }
    ByteBuf frame = ctx.alloc().buffer(BinaryFraming.HEADER_BYTES + content.readableBytes());
    frame.writeBytes(BinaryFraming.header(type, bytes.id()));
    frame.writeBytes(content, content.readerIndex(), content.readableBytes());
    return new BinaryWebSocketFrame(frame);
  }

  private TextWebSocketFrame text(Object message) {
    return new TextWebSocketFrame(
        gateway ? JsonFraming.encode((Event) message) : JsonFraming.encode((Request) message));
  }

  private void undecodable(ChannelHandlerContext ctx, ProtocolException e) {
    if (gateway) {
      // Through the whole pipeline, so that it is encoded (and trimmed) as every event is.
      ctx.channel().writeAndFlush(new Event.Error(e.id(), e.getMessage()));
    } else {
      LOG.log(Level.WARNING, "dropped a frame from the wasmnet server: {0}", e.getMessage());
    }
  }

  private static String utf8(ByteBuf content) throws ProtocolException {
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(content.nioBuffer()).toString();
    } catch (CharacterCodingException e) {
      throw new ProtocolException(0, "text message is not valid UTF-8");
    }
  }
}
