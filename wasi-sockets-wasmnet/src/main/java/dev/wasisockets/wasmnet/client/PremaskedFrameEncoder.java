package dev.wasisockets.wasmnet.client;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker13;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.util.List;

/**
 * The client's frame encoder: a {@link MaskedSendFrame} is already on-the-wire bytes, masked, and
 * goes out as it is; every other frame (other requests, close, pong) is masked by Netty's encoder,
 * as before.
 */
final class PremaskedFrameEncoder extends WebSocket08FrameEncoder {
  PremaskedFrameEncoder() {
    super(true);
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out)
      throws Exception {
    if (frame instanceof MaskedSendFrame) {
      out.add(frame.content().retain());
    } else {
      super.encode(ctx, frame, out);
    }
  }

  /**
   * Netty's RFC 6455 client handshake, with this encoder on the upgraded connection, and a decoder
   * that gathers a frame split over reads as a list of the read buffers. Netty's decoder copies
   * each payload out into a buffer of its own anyway; gathering by copying too (its default) grows
   * a buffer past 64 KiB for every frame that spans two reads, which Netty's allocator does not
   * pool: a new, zeroed buffer each time.
   */
  static final class Handshaker extends WebSocketClientHandshaker13 {
    Handshaker(WebSocketClientProtocolConfig config) {
      super(
          config.webSocketUri(),
          WebSocketVersion.V13,
          config.subprotocol(),
          config.allowExtensions(),
          config.customHeaders(),
          config.maxFramePayloadLength(),
          config.performMasking(),
          config.allowMaskMismatch(),
          config.forceCloseTimeoutMillis());
    }

    @Override
    protected WebSocketFrameEncoder newWebSocketEncoder() {
      return new PremaskedFrameEncoder();
    }

    @Override
    protected WebSocketFrameDecoder newWebsocketDecoder() {
      WebSocketFrameDecoder decoder = super.newWebsocketDecoder();
      if (decoder instanceof ByteToMessageDecoder gathering) {
        gathering.setCumulator(ByteToMessageDecoder.COMPOSITE_CUMULATOR);
      }
      return decoder;
    }
  }
}
