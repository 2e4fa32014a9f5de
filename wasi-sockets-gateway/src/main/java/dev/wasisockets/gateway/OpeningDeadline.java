package dev.wasisockets.gateway;

import dev.wasisockets.policy.RateLimitedLog;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection that is slow to become a session: a whole upgrade request must arrive within
 * the handshake timeout (else 408, the slowloris case: a half-sent request otherwise holds its
 * socket for ever), and then, if a first-request timeout is set, a first frame within that (else
 * close 1008). It sits after the HTTP aggregator, where it sees the whole request and, once the
 * WebSocket decoder has taken the HTTP codec's place, every frame (pings included); it leaves the
 * pipeline at the first one.
 */
final class OpeningDeadline extends ChannelInboundHandlerAdapter {
  private final Duration handshakeTimeout;
  private final Duration firstRequestTimeout;
  private final RateLimitedLog handshakeLog;
  private final RateLimitedLog firstRequestLog;
  private Future<?> deadline;

  OpeningDeadline(
      Duration handshakeTimeout,
      Duration firstRequestTimeout,
      RateLimitedLog handshakeLog,
      RateLimitedLog firstRequestLog) {
    this.handshakeTimeout = handshakeTimeout;
    this.firstRequestTimeout = firstRequestTimeout;
    this.handshakeLog = handshakeLog;
    this.firstRequestLog = firstRequestLog;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    // Added when the connection is accepted: the handshake's time runs from here.
    deadline = schedule(ctx, handshakeTimeout, () -> handshakeExpired(ctx));
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof FullHttpRequest) {
      cancel();
      deadline = schedule(ctx, firstRequestTimeout, () -> firstRequestExpired(ctx));
    } else if (msg instanceof WebSocketFrame) {
      cancel();
      ctx.pipeline().remove(this);
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancel();
  }

  private void handshakeExpired(ChannelHandlerContext ctx) {
    handshakeLog.log(
        Level.INFO,
        () ->
            "closed a connection from "
                + clientOf(ctx)
                + ": no complete upgrade request within "
                + handshakeTimeout.toMillis()
                + " ms");
    // RFC 9110 §15.5.9: the request did not come whole in the time the server was ready to wait.
    HttpRefusal.send(ctx, HttpResponseStatus.REQUEST_TIMEOUT);
  }

  private void firstRequestExpired(ChannelHandlerContext ctx) {
    firstRequestLog.log(
        Level.INFO,
        () ->
            "closed a session from "
                + clientOf(ctx)
                + ": no request within "
                + firstRequestTimeout.toMillis()
                + " ms of its upgrade");
    ctx.writeAndFlush(
            new CloseWebSocketFrame(
                WebSocketCloseStatus.POLICY_VIOLATION,
                "no request within " + firstRequestTimeout.toMillis() + " ms"))
        .addListener(ChannelFutureListener.CLOSE);
  }

  private static Future<?> schedule(ChannelHandlerContext ctx, Duration timeout, Runnable expired) {
    if (timeout.isZero()) {
      return null;
    }
    return ctx.executor().schedule(expired, saturatedNanos(timeout), TimeUnit.NANOSECONDS);
  }

  /** A timeout in nanoseconds; one too long for a long is as good as for ever. */
  static long saturatedNanos(Duration timeout) {
    try {
      return timeout.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  private void cancel() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }

  static String clientOf(ChannelHandlerContext ctx) {
    SocketAddress remote = ctx.channel().remoteAddress();
    return remote instanceof InetSocketAddress address
        ? address.getAddress().getHostAddress()
        : String.valueOf(remote);
  }
}
