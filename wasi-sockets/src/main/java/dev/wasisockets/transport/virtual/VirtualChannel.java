package dev.wasisockets.transport.virtual;

import dev.wasisockets.transport.TransportChannel;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.util.HashMap;
import java.util.Map;

/**
 * What every virtual channel shares: its transport, and the socket options the core sets, kept and
 * read back as an OS socket would (see {@link VirtualTcpChannel#close} for SO_LINGER, the one with
 * an effect here).
 */
abstract class VirtualChannel implements TransportChannel {
  final VirtualNetwork network;
  final VirtualTransport transport;
  private final Map<SocketOption<?>, Object> options = new HashMap<>();
  boolean closed; // under the network's lock

  VirtualChannel(VirtualTransport transport) {
    this.network = transport.network;
    this.transport = transport;
    options.put(StandardSocketOptions.SO_REUSEADDR, false);
    options.put(StandardSocketOptions.SO_KEEPALIVE, false);
    options.put(StandardSocketOptions.TCP_NODELAY, false);
    options.put(StandardSocketOptions.SO_SNDBUF, StreamBuffer.CAPACITY);
    options.put(StandardSocketOptions.SO_RCVBUF, StreamBuffer.CAPACITY);
    options.put(StandardSocketOptions.SO_LINGER, -1);
  }

  /** Adds an option this kind of socket has (e.g. SO_BROADCAST for UDP) with its initial value. */
  final void addOption(SocketOption<?> option, Object initial) {
    options.put(option, initial);
  }

  /**
   * The {@link dev.wasisockets.transport.Readiness} bits of {@code interest} this channel is ready
   * for now; called with the network's lock held.
   */
  abstract int readiness(int interest);

  final void ensureOpen() throws ClosedChannelException {
    if (closed) {
      throw new ClosedChannelException();
    }
  }

  /**
   * A {@code family} socket takes IPv4 addresses only if INET; IPv6 ones both (dual stack), as
   * NIO's.
   */
  static void checkFamily(StandardProtocolFamily family, InetSocketAddress address) {
    if (address.isUnresolved()) {
      throw new UnresolvedAddressException();
    }
    if (family == StandardProtocolFamily.INET && address.getAddress() instanceof Inet6Address) {
      throw new UnsupportedAddressTypeException();
    }
  }

  /** Whether SO_LINGER is on with a time of 0: a close then resets the connection. */
  final boolean abortsOnClose() {
    return (Integer) options.get(StandardSocketOptions.SO_LINGER) == 0;
  }

  @Override
  public <T> void setOption(SocketOption<T> option, T value) throws IOException {
    if (!options.containsKey(option)) {
      throw new UnsupportedOperationException("'" + option + "' not supported");
    }
    if (value == null) {
      throw new IllegalArgumentException("a null value for " + option);
    }
    if (value instanceof Integer size && size < 0 && option != StandardSocketOptions.SO_LINGER) {
      throw new IllegalArgumentException("a negative size for " + option);
    }
    network.lock();
    try {
      if (closed) {
        throw new ClosedChannelException();
      }
      // Linux keeps a linger time up to 65,535 s; the JDK clamps alike. Negative: off.
      if (option == StandardSocketOptions.SO_LINGER) {
        int seconds = (Integer) value;
        options.put(option, seconds < 0 ? -1 : Math.min(seconds, 65_535));
      } else {
        options.put(option, value);
      }
    } finally {
      network.unlock();
    }
  }

  @Override
  public <T> T getOption(SocketOption<T> option) throws IOException {
    if (!options.containsKey(option)) {
      throw new UnsupportedOperationException("'" + option + "' not supported");
    }
    network.lock();
    try {
      if (closed) {
        throw new ClosedChannelException();
      }
      return option.type().cast(options.get(option));
    } finally {
      network.unlock();
    }
  }
}
