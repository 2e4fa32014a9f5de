package dev.wasisockets.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decides whether an HTTP request may become a session: the path (404), the token (401), the Origin
 * (403), the WebSocket version (426) and the session limit (503). A request that passes goes on to
 * the WebSocket handshake and this handler leaves the pipeline.
 */
final class AccessCheck extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final String BEARER = "Bearer ";

  /**
   * RFC 6455's, the only one browsers send. Netty would also take the drafts before it (7, 8) and,
   * for a request without the header, the 2010 draft (hixie-76), framed differently and unmasked.
   */
  private static final String WEBSOCKET_VERSION = "13";

  private final GatewayOptions options;
  private final AtomicInteger sessionCount;

  AccessCheck(GatewayOptions options, AtomicInteger sessionCount) {
    super(false);
    this.options = options;
    this.sessionCount = sessionCount;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    QueryStringDecoder uri = new QueryStringDecoder(request.uri());
    HttpResponseStatus refusal = null;
    if (!uri.path().equals(options.path())) {
      refusal = HttpResponseStatus.NOT_FOUND;
    } else if (options.token() != null && !presentsToken(request, uri)) {
      refusal = HttpResponseStatus.UNAUTHORIZED;
    } else if (!originAllowed(request.headers().get(HttpHeaderNames.ORIGIN))) {
      refusal = HttpResponseStatus.FORBIDDEN;
    } else if (!WEBSOCKET_VERSION.equals(
        request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_VERSION))) {
      refusal = HttpResponseStatus.UPGRADE_REQUIRED;
    } else if (!takeSessionSlot(ctx)) {
      refusal = HttpResponseStatus.SERVICE_UNAVAILABLE;
    }
    if (refusal != null) {
      request.release();
      refuse(ctx, refusal);
      return;
    }
    ctx.pipeline().remove(this);
    ctx.fireChannelRead(request);
  }

  private boolean presentsToken(FullHttpRequest request, QueryStringDecoder uri) {
    String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
    if (header != null && header.startsWith(BEARER)) {
      return sameToken(header.substring(BEARER.length()));
    }
    List<String> query = uri.parameters().get("token");
    return query != null && query.size() == 1 && sameToken(query.get(0));
  }

  /** In constant time, so that the answer's timing tells nothing of the token. */
  private boolean sameToken(String presented) {
    return MessageDigest.isEqual(
        presented.getBytes(StandardCharsets.UTF_8),
        options.token().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A browser always sends Origin, so a missing one is a non-browser client, which could claim any
   * Origin anyway: the token, not this check, is what keeps those out.
   */
  private boolean originAllowed(String origin) {
    return options.allowedOrigins().isEmpty()
        || origin == null
        || options.allowedOrigins().contains(origin);
  }

  private boolean takeSessionSlot(ChannelHandlerContext ctx) {
    int max = options.maxSessions();
    int now;
    do {
      now = sessionCount.get();
      if (max > 0 && now >= max) {
        return false;
      }
    } while (!sessionCount.compareAndSet(now, now + 1));
    ctx.channel().closeFuture().addListener(closed -> sessionCount.decrementAndGet());
    return true;
  }

  private static void refuse(ChannelHandlerContext ctx, HttpResponseStatus status) {
    FullHttpResponse response = HttpRefusal.response(status);
    if (status == HttpResponseStatus.UNAUTHORIZED) {
      response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
    } else if (status == HttpResponseStatus.UPGRADE_REQUIRED) {
      // RFC 6455 §4.2.2: say which version the server speaks.
      response.headers().set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, WEBSOCKET_VERSION);
    }
    HttpRefusal.send(ctx, response);
  }
}
