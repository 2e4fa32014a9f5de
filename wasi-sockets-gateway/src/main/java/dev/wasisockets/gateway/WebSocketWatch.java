package dev.wasisockets.gateway;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;

/**
 * Notes for the {@link AccessLog} what only the WebSocket frames show: the framings the client used
 * and the first close frame either way, with who sent it. It sits right behind the HTTP codec,
 * where the WebSocket decoder and encoder take the codec's place at the upgrade, so it sees every
 * frame the client sends (the close frames the WebSocket handler answers and keeps included) and
 * every frame the gateway's handlers write. It passes everything on untouched.
 */
final class WebSocketWatch extends ChannelDuplexHandler {
  /** RFC 6455 §7.1.5: a close frame without a code. */
  private static final int NO_STATUS = 1005;

  private final SessionTally tally;

  WebSocketWatch(SessionTally tally) {
    this.tally = tally;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    // The first frame of a message says its framing; continuations keep it.
    if (msg instanceof TextWebSocketFrame) {
      tally.framing(false);
    } else if (msg instanceof BinaryWebSocketFrame) {
      tally.framing(true);
    } else if (msg instanceof CloseWebSocketFrame close) {
      closeFrame(close, "client");
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof CloseWebSocketFrame close) {
      closeFrame(close, "gateway");
    }
    ctx.write(msg, promise);
  }

  private void closeFrame(CloseWebSocketFrame close, String by) {
    int code = close.statusCode();
    tally.closeFrame(code < 0 ? NO_STATUS : code, code < 0 ? null : close.reasonText(), by);
  }
}
