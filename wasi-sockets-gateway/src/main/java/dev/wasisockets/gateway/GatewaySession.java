package dev.wasisockets.gateway;

import dev.wasisockets.address.IpLiteral;
import dev.wasisockets.policy.Limits;
import dev.wasisockets.wasmnet.frames.SocketBytes;
import dev.wasisockets.wasmnet.protocol.Event;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;

/**
 * One WebSocket client's session, the end of its pipeline: it wires the session's parts, each with
 * one job ({@link SessionRequests}: what each request does; {@link SocketTable}: the sockets by id;
 * {@link PolicyCheck}: the policy's decisions; {@link LookupsInFlight}: the bound on name lookups;
 * {@link BackPressure}; {@link SocketOpener}), hears from the sockets as they open, fail and close,
 * and ends them all with the WebSocket. It writes the session's open and close lines of the {@link
 * AccessLog}, from what its parts counted in its {@link SessionTally}. Everything here runs on the
 * WebSocket's event loop, which also runs every peer channel of the session, so nothing needs a
 * lock; name lookups, which block, run on the gateway's lookup threads and come back here.
 */
final class GatewaySession extends SimpleChannelInboundHandler<Object> {
  static final int MAX_LOOKUPS_IN_FLIGHT = 64;

  private final SessionContext context;
  private final ChannelGroup sessions;
  private final SocketTable sockets;
  private final BackPressure backPressure;
  private final LookupsInFlight lookups;
  private final SessionRequests requests;
  private final SessionTally tally;

  private ChannelHandlerContext ctx;
  private boolean upgraded;

  /**
   * {@code client} is the WebSocket's channel, registered with its event loop; {@code tally} is
   * where the session's parts count what the access log says of it.
   */
  GatewaySession(
      SessionContext context, ChannelGroup sessions, Channel client, SessionTally tally) {
    this.context = context;
    this.sessions = sessions;
    this.tally = tally;
    Limits limits = context.options().policy().limits();
    this.sockets = new SocketTable(limits);
    this.backPressure = new BackPressure(client, sockets);
    this.lookups =
        new LookupsInFlight(
            MAX_LOOKUPS_IN_FLIGHT, context.lookups(), client.eventLoop(), limits.lookupTimeout());
    PolicyCheck policy =
        new PolicyCheck(
            context.options().policy(),
            context.options().resolver(),
            lookups,
            context.accessLog(),
            tally);
    this.requests = new SessionRequests(this, sockets, policy, new SocketOpener(this, context));
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete handshake) {
      upgraded = true;
      sessions.add(ctx.channel());
      context
          .accessLog()
          .opened(
              tally,
              clientOf(ctx.channel()),
              handshake.requestHeaders().get(HttpHeaderNames.ORIGIN),
              handshake.requestUri());
    }
    ctx.fireUserEventTriggered(event);
  }

  /** A request, or a {@code send}'s {@link SocketBytes} (released after this returns). */
  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Object message) {
    tally.requestServed();
    try {
      requests.serve(message);
    } finally {
      backPressure.afterClientMessage();
    }
  }

  /** The client is gone: so are its sockets, and the session's close line is written. */
  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    sockets.removeAll().forEach(SessionSocket::close);
    if (upgraded) {
      context.accessLog().closed(tally);
    }
    ctx.fireChannelInactive();
  }

  /** The client reads slower than the session answers, or caught up: see {@link BackPressure}. */
  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    backPressure.clientWritabilityChanged();
    ctx.fireChannelWritabilityChanged();
  }

  /**
   * A reset by the client or a broken WebSocket: the session cannot go on. The close frame says why
   * (RFC 6455 §7.4.1): 1002 for a protocol error, 1009 for a message over the cap, whether one
   * frame or many fragments (Netty's aggregator reports the latter as TooLongFrameException).
   */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (upgraded && cause instanceof CorruptedWebSocketFrameException corrupted) {
      ctx.writeAndFlush(new CloseWebSocketFrame(corrupted.closeStatus(), closeReason(corrupted)));
    } else if (upgraded && cause instanceof TooLongFrameException) {
      ctx.writeAndFlush(
          new CloseWebSocketFrame(
              WebSocketCloseStatus.MESSAGE_TOO_BIG,
              "message over " + GatewayOptions.WEBSOCKET_FRAME_CAP + " bytes"));
    }
    ctx.close();
  }

  /** A close frame's reason is at most 123 bytes (RFC 6455 §5.5); Netty's are ASCII. */
  private static String closeReason(Throwable cause) {
    String reason = describe(cause);
    return reason.length() <= 123 ? reason : reason.substring(0, 123);
  }

  /** Whether the policy's {@code max_connections} leaves room for one more socket. */
  boolean roomForOneMore() {
    return sockets.roomForOneMore();
  }

  /** Registers a connection the listener accepted, under the id {@link SocketTable} gives it. */
  SessionConnection accepted(SessionListener listener) {
    return sockets.accepted(listener, id -> new SessionConnection(id, this));
  }

  /** Whether the session still holds {@code socket} (see {@link SocketTable#owns}). */
  boolean owns(SessionSocket socket) {
    return sockets.owns(socket);
  }

  /** Drops a socket that failed to open, or that the peer closed. */
  void forget(SessionSocket socket) {
    sockets.remove(socket);
    socket.close();
  }

  /** A socket could not be opened, or failed: {@code error}, and the id is free again. */
  void failed(SessionSocket socket, String message) {
    if (owns(socket)) {
      forget(socket);
      emit(new Event.Error(socket.id(), message));
    } else {
      socket.close();
    }
  }

  /** A dial succeeded: {@code connected}, or the client gave up on it meanwhile. */
  void connected(SessionConnection connection, Channel channel, InetSocketAddress poolKey) {
    if (!owns(connection)) {
      channel.close();
      return;
    }
    connection.attach(channel, poolKey);
    opened(new Event.Connected(connection.id()));
  }

  /**
   * A socket opened ({@code connected}, {@code listening}, {@code udp_bound} or {@code accepted}):
   * tells the client, and counts it for the access log.
   */
  void opened(Event announcement) {
    tally.socketOpened();
    emit(announcement);
  }

  /**
   * A connection's peer closed its side: {@code closed}; the socket is gone once the client has
   * closed its side too.
   */
  void peerFinished(SessionConnection connection) {
    if (!owns(connection)) {
      return;
    }
    emit(new Event.Closed(connection.id()));
    if (connection.clientDone()) {
      forget(connection);
    }
  }

  /** The peer closed ({@code closed}) or failed ({@code error}); the socket is gone either way. */
  void peerGone(SessionSocket socket, Throwable cause) {
    if (!owns(socket)) {
      return;
    }
    forget(socket);
    if (cause == null && socket instanceof SessionConnection connection && connection.peerDone()) {
      return; // the client heard closed already
    }
    emit(
        cause == null
            ? new Event.Closed(socket.id())
            : new Event.Error(socket.id(), describe(cause)));
  }

  /** A peer's outbound buffer filled up or drained: pause the client while any is full. */
  void peerBlocked(boolean blocked) {
    backPressure.peerBlocked(blocked);
  }

  /** Whether peers may be read now (see {@link BackPressure#clientWritable}). */
  boolean clientWritable() {
    return backPressure.clientWritable();
  }

  /** Sends the client an {@link Event} or a connection's {@link SocketBytes}. */
  void emit(Object event) {
    if (ctx.channel().isActive()) {
      ctx.writeAndFlush(event);
    } else {
      ReferenceCountUtil.release(event);
    }
  }

  EventLoop eventLoop() {
    return ctx.channel().eventLoop();
  }

  ConnectionPool pool() {
    return context.pool();
  }

  Limits limits() {
    return context.options().policy().limits();
  }

  /** Where the session's sockets count the bytes they move. */
  SessionTally tally() {
    return tally;
  }

  /** For tests: the socket with this id, or null. */
  SessionSocket socketForTest(long id) {
    return sockets.get(id);
  }

  /** For tests: the session's name lookups not yet ended. */
  int lookupsInFlightForTest() {
    return lookups.count();
  }

  /** The client's address and port, as the access log writes it; null if it is gone already. */
  private static String clientOf(Channel client) {
    return client.remoteAddress() instanceof InetSocketAddress address
        ? IpLiteral.format(address)
        : null;
  }

  static String describe(Throwable cause) {
    String message = cause.getMessage();
    return message == null ? cause.getClass().getSimpleName() : message;
  }
}
