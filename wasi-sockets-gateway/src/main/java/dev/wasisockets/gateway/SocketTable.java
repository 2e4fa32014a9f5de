package dev.wasisockets.gateway;

import dev.wasisockets.policy.Limits;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * One client's sockets by the ids it gave them, and the rules on those ids: an id names one socket
 * at a time, a session holds at most the policy's {@code max_connections} sockets of every kind and
 * {@code max_listeners} listeners (zero: no limit), and a connection a listener accepts gets the id
 * wasmnet would give it. Touched on the session's event loop only, as the sockets are.
 */
final class SocketTable {
  private final Map<Long, SessionSocket> sockets = new HashMap<>();
  private final int maxSockets;
  private final int maxListeners;

  SocketTable(Limits limits) {
    this.maxSockets = limits.maxConnections();
    this.maxListeners = limits.maxListeners();
  }

  /**
   * Registers a socket the client is opening. Null when the session holds it now; else why not, the
   * message of the client's {@code error}: a listener over {@code max_listeners}, an id in use (the
   * socket that has it stays), a socket over {@code max_connections}.
   */
  String open(SessionSocket socket) {
    if (socket instanceof SessionListener && maxListeners > 0 && listeners() >= maxListeners) {
      return "max listeners reached";
    }
    if (sockets.containsKey(socket.id())) {
      return "id " + idText(socket.id()) + " is already in use";
    }
    if (!roomForOneMore()) {
      return "max connections reached";
    }
    sockets.put(socket.id(), socket);
    return null;
  }

  /** Whether {@code max_connections} leaves room for one more socket. */
  boolean roomForOneMore() {
    return maxSockets == 0 || sockets.size() < maxSockets;
  }

  /**
   * Registers a connection the listener accepted, named as wasmnet names them: {@code listener id ×
   * 1,000,000 + n} with n from 1, skipping ids the session already uses. The caller has checked
   * {@link #roomForOneMore}.
   */
  SessionConnection accepted(SessionListener listener, LongFunction<SessionConnection> withId) {
    long base = listener.id() * 1_000_000L;
    long id;
    do {
      id = base + listener.nextAcceptNumber();
    } while (sockets.containsKey(id));
    SessionConnection connection = withId.apply(id);
    sockets.put(id, connection);
    return connection;
  }

  /** The socket with this id, or null. */
  SessionSocket get(long id) {
    return sockets.get(id);
  }

  /**
   * Whether the session still holds {@code socket}: its id may have been freed (and even taken by
   * another socket) while it was being opened or looked up.
   */
  boolean owns(SessionSocket socket) {
    return sockets.get(socket.id()) == socket;
  }

  /** Frees the socket's id, if the socket still holds it; closing the socket is the caller's. */
  void remove(SessionSocket socket) {
    if (owns(socket)) {
      sockets.remove(socket.id());
    }
  }

  void forEach(Consumer<SessionSocket> action) {
    sockets.values().forEach(action);
  }

  /** Empties the table, when the session ends: the sockets it held, for the caller to close. */
  List<SessionSocket> removeAll() {
    List<SessionSocket> all = new ArrayList<>(sockets.values());
    sockets.clear();
    return all;
  }

  private long listeners() {
    return sockets.values().stream().filter(SessionListener.class::isInstance).count();
  }

  /** An id as the client wrote it: a u64. */
  static String idText(long id) {
    return Long.toUnsignedString(id);
  }
}
