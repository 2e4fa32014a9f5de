package dev.wasisockets.wasmnet.client;

import dev.wasisockets.address.IpLiteral;
import dev.wasisockets.transport.Readiness;
import dev.wasisockets.transport.TcpChannel;
import dev.wasisockets.transport.TcpListenerChannel;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.Request;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.ArrayDeque;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A listener on the wasmnet server. Each {@code accepted} event brings a connection the server has
 * already named; it is registered at once, so bytes that arrive before the guest accepts it wait
 * with it.
 */
final class WasmnetTcpListenerChannel extends WasmnetChannel implements TcpListenerChannel {
  private static final Logger LOG = Logger.getLogger(WasmnetTcpListenerChannel.class.getName());

  private final InetSocketAddress requested;
  private final ArrayDeque<WasmnetTcpChannel> pending = new ArrayDeque<>();
  private Event answer;
  private int port;
  private IOException failure;

  WasmnetTcpListenerChannel(WasmnetTransport transport, long id, InetSocketAddress requested) {
    super(transport, id);
    this.requested = requested;
  }

  /** Whether the server has answered the bind; lock held. */
  boolean answered() {
    return answer != null;
  }

  /**
   * Throws the server's refusal of the bind, if it refused; lock held. A {@code denied} is its
   * policy (EACCES); an {@code error} carries only a message, and what makes a bind fail on a
   * server is nearly always the port in use (or an address it does not have), so it is a {@link
   * BindException}: EADDRINUSE (or EADDRNOTAVAIL) for the guest, as the same bind here would be.
   */
  void throwIfFailed() throws IOException {
    String what = "listening on " + IpLiteral.format(requested);
    if (answer instanceof Event.Error error) {
      throw new BindException(what + " failed on the wasmnet server: " + error.msg());
    }
    if (!(answer instanceof Event.Listening)) {
      throw refusal(answer, what);
    }
  }

  @Override
  public TcpChannel accept() throws IOException {
    transport.lock.lock();
    try {
      WasmnetTcpChannel next = pending.poll();
      if (next == null) {
        transport.throwIfLinkFailed();
        if (failure != null) {
          throw failure;
        }
      }
      return next;
    } finally {
      transport.lock.unlock();
    }
  }

  /** The requested address with the port the server bound (the server's, not this host's). */
  @Override
  public InetSocketAddress localAddress() {
    transport.lock.lock();
    try {
      return new InetSocketAddress(requested.getAddress(), port);
    } finally {
      transport.lock.unlock();
    }
  }

  @Override
  void release() throws IOException {
    for (WasmnetTcpChannel connection : pending) {
      connection.close();
    }
    pending.clear();
    if (answer instanceof Event.Listening) {
      transport.send(new Request.Close(id));
    }
  }

  @Override
  void onEvent(Event event) {
    switch (event.type()) {
      case LISTENING -> {
        if (answer == null) {
          answer = event;
          port = ((Event.Listening) event).port();
        }
      }
      case ACCEPTED -> accepted((Event.Accepted) event);
      case ERROR, DENIED -> {
        if (answer == null) {
          answer = event;
        } else if (failure == null) {
          failure = refusal(event, "accepting");
        }
      }
      case CLOSED -> {
        if (failure == null) {
          failure = new SocketException("the wasmnet server stopped listening");
        }
      }
      default -> {} // nothing else is about a listener
    }
  }

  private void accepted(Event.Accepted event) {
    if (transport.inUse(event.connId())) {
      LOG.log(
          Level.WARNING,
          "wasmnet server named an accepted connection with an id in use: {0}",
          Long.toUnsignedString(event.connId()));
      return;
    }
    InetSocketAddress remote;
    try {
      remote = IpLiteral.parseSocketAddress(event.remote());
    } catch (IllegalArgumentException e) {
      LOG.log(Level.WARNING, "wasmnet server sent a bad peer address: {0}", event.remote());
      return;
    }
    WasmnetTcpChannel connection = new WasmnetTcpChannel(transport, event.connId(), remote);
    transport.register(connection);
    pending.add(connection);
  }

  @Override
  int readiness() {
    return !pending.isEmpty() || failure != null ? Readiness.READ : 0;
  }
}
