package dev.wasisockets.gateway;

import dev.wasisockets.address.IpLiteral;
import dev.wasisockets.policy.Decision;
import dev.wasisockets.policy.Limits;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.policy.Resolution;
import dev.wasisockets.wasmnet.frames.SocketBytes;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.Request;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One WebSocket client: its sockets by id and what it asks of them. Every field is touched only on
 * the WebSocket's event loop, which also runs every peer channel of the session, so nothing here
 * needs a lock. Name lookups, which block, run on the gateway's lookup threads and come back here.
 */
final class GatewaySession extends SimpleChannelInboundHandler<Object> {
  private final SessionContext context;
  private final ChannelGroup sessions;
  private final Map<Long, SessionSocket> sockets = new HashMap<>();
  private final SocketOpener opener;
  static final int MAX_LOOKUPS_IN_FLIGHT = 64;

  private ChannelHandlerContext ctx;
  private int blockedPeers;
  private int lookupsInFlight;
  private boolean upgraded;

  GatewaySession(SessionContext context, ChannelGroup sessions) {
    this.context = context;
    this.sessions = sessions;
    this.opener = new SocketOpener(this, context);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
      upgraded = true;
      sessions.add(ctx.channel());
    }
    ctx.fireUserEventTriggered(event);
  }

  /** A {@link Request}, or a {@code send}'s {@link SocketBytes} (released after this returns). */
  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Object message) {
    try {
      serve(message);
    } finally {
      holdClientIfBacklogged();
    }
  }

  private void serve(Object message) {
    if (message instanceof SocketBytes bytes) {
      send(bytes);
      return;
    }
    Request request = (Request) message;
    switch (request.type()) {
      case CONNECT -> connect((Request.Addressed) request, false);
      case CONNECT_TLS -> connect((Request.Addressed) request, true);
      case CONNECT_UDP -> connectUdp((Request.ConnectUdp) request);
      case BIND -> bind((Request.Bind) request);
      case LISTEN -> listen((Request.Listen) request);
      case SEND_TO -> sendTo((Request.SendTo) request);
      case CLOSE -> close(request.id());
      case RESOLVE -> resolve((Request.Resolve) request);
      default -> throw new IllegalStateException(request.type() + " is not a request");
    }
  }

  /** The client is gone: so are its sockets. */
  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    List<SessionSocket> open = new ArrayList<>(sockets.values());
    sockets.clear();
    open.forEach(SessionSocket::close);
    ctx.fireChannelInactive();
  }

  /**
   * The client reads slower than the session answers: pause the peers, and the client itself (each
   * request may be answered), until it catches up. A client that never reads then fills its own
   * socket, not the gateway's memory.
   */
  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    boolean writable = ctx.channel().isWritable();
    sockets.values().forEach(socket -> socket.readFromPeer(writable));
    readFromClient();
    ctx.fireChannelWritabilityChanged();
  }

  /**
   * Reads from the client only while every peer and the client's WebSocket can take more. Called
   * after each message too: the bandwidth shaper turns reading back on when its delay ends, and one
   * read may hold many requests.
   */
  private void readFromClient() {
    ctx.channel().config().setAutoRead(blockedPeers == 0 && ctx.channel().isWritable());
  }

  private void holdClientIfBacklogged() {
    if (blockedPeers > 0 || !ctx.channel().isWritable()) {
      ctx.channel().config().setAutoRead(false);
    }
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

  private void connect(Request.Addressed request, boolean tls) {
    SessionConnection connection = new SessionConnection(request.id(), this);
    if (open(connection)) {
      authorizeOpening(
          connection,
          NetworkUse.TCP_CONNECT,
          request.addr(),
          request.port(),
          address -> opener.dial(connection, address, tls ? request.addr() : null));
    }
  }

  private void connectUdp(Request.ConnectUdp request) {
    SessionUdpSocket socket = new SessionUdpSocket(request.id(), this);
    if (open(socket)) {
      authorizeOpening(
          socket,
          NetworkUse.UDP_SEND,
          request.addr(),
          request.port(),
          target -> opener.bindUdp(socket, target));
    }
  }

  private void bind(Request.Bind request) {
    SessionListener listener = new SessionListener(request.id());
    int maxListeners = limits().maxListeners();
    if (maxListeners > 0
        && sockets.values().stream().filter(SessionListener.class::isInstance).count()
            >= maxListeners) {
      emit(new Event.Error(request.id(), "max listeners reached"));
      return;
    }
    if (open(listener)) {
      authorizeOpening(
          listener,
          NetworkUse.BIND,
          request.addr(),
          request.port(),
          local -> opener.listen(listener, local));
    }
  }

  /** wasmnet's bind already listens: listen only repeats the port. */
  private void listen(Request.Listen request) {
    SessionSocket socket = socket(request.id());
    if (socket instanceof SessionListener listener && listener.port() > 0) {
      emit(new Event.Listening(request.id(), listener.port()));
    } else if (socket instanceof SessionListener) {
      emit(new Event.Error(request.id(), "bind still in progress"));
    } else if (socket != null) {
      emit(new Event.Error(request.id(), "id " + idText(request.id()) + " is not a listener"));
    }
  }

  private void send(SocketBytes bytes) {
    long id = bytes.id();
    SessionSocket socket = socket(id);
    if (socket instanceof SessionConnection connection) {
      if (connection.clientDone()) {
        emit(new Event.Error(id, "id " + idText(id) + " is closed for sending"));
      } else if (!connection.send(bytes.content().retain())) {
        emit(new Event.Error(id, "not connected yet"));
      }
    } else if (socket instanceof SessionUdpSocket udp) {
      if (!udp.sendToTarget(ByteBufUtil.getBytes(bytes.content()))) {
        emit(new Event.Error(id, "udp socket not bound yet"));
      }
    } else if (socket != null) {
      emit(new Event.Error(id, "cannot send on a listener"));
    }
  }

  private void sendTo(Request.SendTo request) {
    SessionSocket socket = socket(request.id());
    if (socket instanceof SessionUdpSocket udp) {
      authorize(
          udp,
          false,
          NetworkUse.UDP_SEND,
          request.addr(),
          request.port(),
          target -> {
            if (!udp.sendTo(target, request.data())) {
              emit(new Event.Error(request.id(), "udp socket not bound yet"));
            }
          });
    } else if (socket != null) {
      emit(new Event.Error(request.id(), "send_to needs a udp socket"));
    }
  }

  /**
   * A connection's close ends the client's side and the peer's bytes keep coming until its {@code
   * closed} (see {@link SessionConnection}); any other socket closes at once, answered by {@code
   * closed} (wasmnet answers nothing) so the client knows the id is free again.
   */
  private void close(long id) {
    SessionSocket socket = socket(id);
    if (socket == null) {
      return;
    }
    SessionConnection connection = socket instanceof SessionConnection c ? c : null;
    if (connection != null && connection.clientDone()) {
      return; // closed already, waiting for the peer
    }
    if (connection != null && connection.endClientSide()) {
      return;
    }
    sockets.remove(id);
    if (connection != null) {
      connection.closeOrPool();
    } else {
      socket.close();
    }
    if (connection == null || !connection.peerDone()) {
      emit(new Event.Closed(id));
    }
  }

  private void resolve(Request.Resolve request) {
    long id = request.id();
    Decision decision = context.options().policy().decideLookup(request.name());
    if (!decision.allowed()) {
      emit(new Event.Denied(id, "name lookup of " + request.name() + deniedBy(decision)));
      return;
    }
    offLoop(
        () -> {
          List<String> addrs = new ArrayList<>();
          for (InetAddress address : context.options().resolver().resolve(request.name())) {
            addrs.add(IpLiteral.format(address));
          }
          return new Event.Resolved(id, addrs);
        },
        this::emit,
        e -> emit(new Event.Error(id, "cannot resolve " + request.name() + ": " + describe(e))));
  }

  /** {@link #authorize} for a socket being opened, which a refusal drops. */
  private void authorizeOpening(
      SessionSocket socket,
      NetworkUse use,
      String host,
      int port,
      Consumer<InetSocketAddress> then) {
    authorize(socket, true, use, host, port, then);
  }

  /**
   * Checks {@code use} of {@code host:port} (a name is resolved once, off the event loop) and runs
   * {@code then} with the allowed address, if the socket is still the session's by then. A socket
   * being {@code opening} is dropped when refused.
   */
  private void authorize(
      SessionSocket socket,
      boolean opening,
      NetworkUse use,
      String host,
      int port,
      Consumer<InetSocketAddress> then) {
    Consumer<Event> refuse =
        event -> {
          if (opening) {
            forget(socket);
          }
          emit(event);
        };
    OffLoopLookup.Step<Resolution> decide =
        () -> context.options().policy().resolve(use, host, port, context.options().resolver());
    Consumer<Resolution> decided =
        resolution -> {
          if (!owns(socket)) {
            return;
          }
          if (resolution.allowed()) {
            then.accept(resolution.address());
          } else {
            refuse.accept(
                new Event.Denied(
                    socket.id(),
                    use.description()
                        + " to "
                        + host
                        + ":"
                        + port
                        + deniedBy(resolution.decision())));
          }
        };
    Consumer<IOException> failed =
        e -> {
          if (owns(socket)) {
            refuse.accept(
                new Event.Error(socket.id(), "cannot resolve " + host + ": " + describe(e)));
          }
        };
    if (IpLiteral.parseLenient(host) != null) {
      // A literal needs no lookup: decide at once, which keeps datagrams in order.
      try {
        decided.accept(decide.run());
      } catch (IOException e) {
        failed.accept(e);
      }
    } else {
      offLoop(decide, decided, failed);
    }
  }

  /**
   * Runs a lookup on the gateway's lookup threads, at most {@link #MAX_LOOKUPS_IN_FLIGHT} at once
   * per session, those that timed out but have not ended counted too (the resolver cannot be
   * interrupted): a client that floods {@code resolve} must not queue work without end.
   */
  private <T> void offLoop(
      OffLoopLookup.Step<T> step, Consumer<T> done, Consumer<IOException> failed) {
    if (lookupsInFlight >= MAX_LOOKUPS_IN_FLIGHT) {
      failed.accept(new IOException("too many lookups in flight (" + MAX_LOOKUPS_IN_FLIGHT + ")"));
      return;
    }
    lookupsInFlight++;
    OffLoopLookup.start(
        context.lookups(),
        eventLoop(),
        limits().lookupTimeout(),
        step,
        done,
        failed,
        () -> lookupsInFlight--);
  }

  /** Registers a socket the client is opening, unless its id is taken or the limit reached. */
  private boolean open(SessionSocket socket) {
    if (sockets.containsKey(socket.id())) {
      emit(new Event.Error(socket.id(), "id " + idText(socket.id()) + " is already in use"));
      return false;
    }
    if (!roomForOneMore()) {
      emit(new Event.Error(socket.id(), "max connections reached"));
      return false;
    }
    sockets.put(socket.id(), socket);
    return true;
  }

  boolean roomForOneMore() {
    int max = limits().maxConnections();
    return max == 0 || sockets.size() < max;
  }

  /**
   * Registers a connection the listener accepted, named as wasmnet names them: {@code listener id ×
   * 1,000,000 + n} with n from 1, skipping ids the session already uses.
   */
  SessionConnection accepted(SessionListener listener) {
    long base = listener.id() * 1_000_000L;
    long id;
    do {
      id = base + listener.nextAcceptNumber();
    } while (sockets.containsKey(id));
    SessionConnection connection = new SessionConnection(id, this);
    sockets.put(id, connection);
    return connection;
  }

  /** The socket the client named, or null after answering {@code error} for an unknown id. */
  private SessionSocket socket(long id) {
    SessionSocket socket = sockets.get(id);
    if (socket == null) {
      emit(new Event.Error(id, "unknown id " + idText(id)));
    }
    return socket;
  }

  boolean owns(SessionSocket socket) {
    return sockets.get(socket.id()) == socket;
  }

  /** Drops a socket that failed to open, or that the peer closed. */
  void forget(SessionSocket socket) {
    if (owns(socket)) {
      sockets.remove(socket.id());
    }
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
    emit(new Event.Connected(connection.id()));
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
    blockedPeers += blocked ? 1 : -1;
    readFromClient();
  }

  boolean clientWritable() {
    return ctx.channel().isWritable();
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

  /** For tests: the socket with this id, or null. */
  SessionSocket socketForTest(long id) {
    return sockets.get(id);
  }

  private static String deniedBy(Decision decision) {
    return " denied by policy (rule: " + decision.rule() + ")";
  }

  static String idText(long id) {
    return Long.toUnsignedString(id);
  }

  static String describe(Throwable cause) {
    String message = cause.getMessage();
    return message == null ? cause.getClass().getSimpleName() : message;
  }
}
