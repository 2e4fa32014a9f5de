package dev.wasisockets.gateway;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP answer that refuses an upgrade and ends the connection: a connection carries one upgrade
 * request, so nothing a refused request left behind is ever read as the next one.
 */
final class HttpRefusal {
  private HttpRefusal() {}

  /** A short plain-text answer with {@code Connection: close}, to add headers to. */
  static FullHttpResponse response(HttpResponseStatus status) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            status,
            Unpooled.copiedBuffer(status.toString() + "\n", StandardCharsets.UTF_8));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    return response;
  }

  /** Sends {@code response} and closes the connection once it is written. */
  static void send(ChannelHandlerContext ctx, FullHttpResponse response) {
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }

  static void send(ChannelHandlerContext ctx, HttpResponseStatus status) {
    send(ctx, response(status));
  }
}
