package dev.wasisockets.wasmnet.client;

import dev.wasisockets.transport.RemotePolicyException;
import dev.wasisockets.transport.TransportChannel;
import dev.wasisockets.transport.UnsupportedByTransportException;
import dev.wasisockets.wasmnet.protocol.Event;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.util.HashMap;
import java.util.Map;

/**
 * What every socket on a wasmnet link shares: its id and its options. wasmnet carries no socket
 * options, so they are kept here for the guest to read back and applied nowhere; the server's
 * sockets use its own settings.
 */
abstract class WasmnetChannel implements TransportChannel {
  private static final Map<SocketOption<?>, Object> DEFAULTS =
      Map.of(
          StandardSocketOptions.SO_RCVBUF, 65536,
          StandardSocketOptions.SO_SNDBUF, 65536,
          StandardSocketOptions.SO_KEEPALIVE, false,
          StandardSocketOptions.SO_REUSEADDR, false,
          StandardSocketOptions.SO_LINGER, -1,
          StandardSocketOptions.SO_BROADCAST, false,
          StandardSocketOptions.TCP_NODELAY, false);

  final WasmnetTransport transport;
  final long id;
  private final Map<SocketOption<?>, Object> options = new HashMap<>();
  private boolean closed;

  WasmnetChannel(WasmnetTransport transport, long id) {
    this.transport = transport;
    this.id = id;
  }

  /** Takes in an event about this socket; called with the transport's lock held. */
  abstract void onEvent(Event event);

  /** What this socket is ready for now, as {@code Readiness} bits; lock held. */
  abstract int readiness();

  @Override
  public <T> void setOption(SocketOption<T> option, T value) {
    if (!DEFAULTS.containsKey(option)) {
      throw new UnsupportedOperationException(option.name());
    }
    transport.lock.lock();
    try {
      options.put(option, value);
    } finally {
      transport.lock.unlock();
    }
  }

  @Override
  public <T> T getOption(SocketOption<T> option) {
    if (!DEFAULTS.containsKey(option)) {
      throw new UnsupportedOperationException(option.name());
    }
    transport.lock.lock();
    try {
      return option.type().cast(options.getOrDefault(option, DEFAULTS.get(option)));
    } finally {
      transport.lock.unlock();
    }
  }

  @Override
  public final void close() throws IOException {
    transport.lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      transport.forget(this);
      release();
    } finally {
      transport.lock.unlock();
    }
  }

  /**
   * Lets go of what the socket holds and tells the server if it has the socket; once, lock held.
   */
  abstract void release() throws IOException;

  /** Whether the guest has closed the socket; lock held. */
  boolean closed() {
    return closed;
  }

  /** wasmnet lets the server choose local addresses: only "any address, any port" is granted. */
  static void requireAnyLocal(InetSocketAddress local, String what)
      throws UnsupportedByTransportException {
    if (local.getPort() != 0 || !local.getAddress().isAnyLocalAddress()) {
      throw new UnsupportedByTransportException(what + " cannot choose its local address");
    }
  }

  /** A failure the guest should see when a pending wasmnet answer was a refusal or an error. */
  static IOException refusal(Event event, String what) {
    if (event instanceof Event.Denied denied) {
      return new RemotePolicyException("the wasmnet server refused " + what + ": " + denied.msg());
    }
    return new IOException(what + " failed on the wasmnet server: " + ((Event.Error) event).msg());
  }
}
