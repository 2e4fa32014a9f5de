package dev.wasisockets.gateway;

import static dev.wasisockets.gateway.SocketTable.idText;

import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.wasmnet.frames.SocketBytes;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.Request;
import io.netty.buffer.ByteBufUtil;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * What each of one client's requests does (the table in docs/gateway.md). A socket opens in three
 * steps: its id enters the {@link SocketTable}, the {@link PolicyCheck} allows the address, the
 * {@link SocketOpener} opens it; a refusal at any step is answered and frees the id. Answers that
 * need no peer are written at once; the others come as the sockets open, fail or close ({@link
 * GatewaySession}). On the session's event loop.
 */
final class SessionRequests {
  private final GatewaySession session;
  private final SocketTable sockets;
  private final PolicyCheck policy;
  private final SocketOpener opener;

  SessionRequests(
      GatewaySession session, SocketTable sockets, PolicyCheck policy, SocketOpener opener) {
    this.session = session;
    this.sockets = sockets;
    this.policy = policy;
    this.opener = opener;
  }

  /** A {@link Request}, or a {@code send}'s {@link SocketBytes} (the caller releases it). */
  void serve(Object message) {
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
      case RESOLVE -> policy.resolve((Request.Resolve) request, this::emit);
      default -> throw new IllegalStateException(request.type() + " is not a request");
    }
  }

  private void connect(Request.Addressed request, boolean tls) {
    SessionConnection connection = new SessionConnection(request.id(), session);
    if (open(connection)) {
      authorizeOpening(
          connection,
          request,
          NetworkUse.TCP_CONNECT,
          address -> opener.dial(connection, address, tls ? request.addr() : null));
    }
  }

  private void connectUdp(Request.ConnectUdp request) {
    SessionUdpSocket socket = new SessionUdpSocket(request.id(), session);
    if (open(socket)) {
      authorizeOpening(
          socket, request, NetworkUse.UDP_SEND, target -> opener.bindUdp(socket, target));
    }
  }

  private void bind(Request.Bind request) {
    SessionListener listener = new SessionListener(request.id());
    if (open(listener)) {
      authorizeOpening(listener, request, NetworkUse.BIND, local -> opener.listen(listener, local));
    }
  }

  /** wasmnet's bind already listens: listen only repeats the port. */
  private void listen(Request.Listen request) {
    SessionSocket socket = named(request.id());
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
    SessionSocket socket = named(id);
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
    SessionSocket socket = named(request.id());
    if (socket instanceof SessionUdpSocket udp) {
      authorize(
          udp,
          false,
          request,
          NetworkUse.UDP_SEND,
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
    SessionSocket socket = named(id);
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
    sockets.remove(socket);
    if (connection != null) {
      connection.closeOrPool();
    } else {
      socket.close();
    }
    if (connection == null || !connection.peerDone()) {
      emit(new Event.Closed(id));
    }
  }

  /**
   * Registers a socket the client is opening, or answers {@code error} (see {@link SocketTable}).
   */
  private boolean open(SessionSocket socket) {
    String refusal = sockets.open(socket);
    if (refusal != null) {
      emit(new Event.Error(socket.id(), refusal));
    }
    return refusal == null;
  }

  /** {@link #authorize} for a socket being opened, which a refusal drops. */
  private void authorizeOpening(
      SessionSocket socket,
      Request.Addressed request,
      NetworkUse use,
      Consumer<InetSocketAddress> then) {
    authorize(socket, true, request, use, then);
  }

  /**
   * Checks {@code use} of the request's host and port and runs {@code then} with the allowed
   * address, or answers the refusal; either only if the socket is still the session's by then (a
   * lookup takes a while, and the client may have closed the id meanwhile). A socket being {@code
   * opening} is dropped when refused.
   */
  private void authorize(
      SessionSocket socket,
      boolean opening,
      Request.Addressed request,
      NetworkUse use,
      Consumer<InetSocketAddress> then) {
    policy.check(
        request,
        use,
        address -> {
          if (sockets.owns(socket)) {
            then.accept(address);
          }
        },
        refusal -> {
          if (!sockets.owns(socket)) {
            return;
          }
          if (opening) {
            session.forget(socket);
          }
          emit(refusal);
        });
  }

  /** The socket the client named, or null after answering {@code error} for an unknown id. */
  private SessionSocket named(long id) {
    SessionSocket socket = sockets.get(id);
    if (socket == null) {
      emit(new Event.Error(id, "unknown id " + idText(id)));
    }
    return socket;
  }

  private void emit(Event event) {
    session.emit(event);
  }
}
