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
  /** A TCP socket's options and their values until set. */
  static final Map<SocketOption<?>, Object> TCP_OPTIONS =
      Map.ofEntries(
          Map.entry(StandardSocketOptions.SO_REUSEADDR, false),
          Map.entry(StandardSocketOptions.SO_KEEPALIVE, false),
          Map.entry(StandardSocketOptions.TCP_NODELAY, false),
          Map.entry(StandardSocketOptions.SO_SNDBUF, StreamBuffer.CAPACITY),
          Map.entry(StandardSocketOptions.SO_RCVBUF, StreamBuffer.CAPACITY),
          Map.entry(StandardSocketOptions.SO_LINGER, -1));

  /** A UDP socket's: TCP's (kept as the direct transport keeps them), SO_BROADCAST, its queue. */
  static final Map<SocketOption<?>, Object> UDP_OPTIONS = udpOptions();

  final VirtualNetwork network;
  final VirtualTransport transport;
  private final Map<SocketOption<?>, Object> defaults;
  // The options set, made at the first set: most sockets set none or one, and ten thousand idle
  // connections should not each keep a map of six defaults.
  private Map<SocketOption<?>, Object> options;
  boolean closed; // under the network's lock

  VirtualChannel(VirtualTransport transport, Map<SocketOption<?>, Object> defaults) {
    this.network = transport.network;
    this.transport = transport;
    this.defaults = defaults;
  }

  private static Map<SocketOption<?>, Object> udpOptions() {
    Map<SocketOption<?>, Object> options = new HashMap<>(TCP_OPTIONS);
    options.put(StandardSocketOptions.SO_BROADCAST, false);
    options.put(StandardSocketOptions.SO_RCVBUF, DatagramQueue.DEFAULT_CAPACITY);
    return Map.copyOf(options);
  }

  /**
   * What setting {@code option} to {@code value} does to this socket, with the lock held: the value
   * kept and read back (the value itself, unless the kind of socket acts on it).
   */
  Object applied(SocketOption<?> option, Object value) {
    return value;
  }

  private Object valueOf(SocketOption<?> option) {
    Object set = options == null ? null : options.get(option);
    return set != null ? set : defaults.get(option);
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
    return (Integer) valueOf(StandardSocketOptions.SO_LINGER) == 0;
  }

  @Override
  public <T> void setOption(SocketOption<T> option, T value) throws IOException {
    if (!defaults.containsKey(option)) {
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
      if (options == null) {
        options = new HashMap<>(4);
      }
      // Linux keeps a linger time up to 65,535 s; the JDK clamps alike. Negative: off.
      if (option == StandardSocketOptions.SO_LINGER) {
        int seconds = (Integer) value;
        options.put(option, seconds < 0 ? -1 : Math.min(seconds, 65_535));
      } else {
        options.put(option, applied(option, value));
      }
    } finally {
      network.unlock();
    }
  }

  @Override
  public <T> T getOption(SocketOption<T> option) throws IOException {
    if (!defaults.containsKey(option)) {
      throw new UnsupportedOperationException("'" + option + "' not supported");
    }
    network.lock();
    try {
      if (closed) {
        throw new ClosedChannelException();
      }
      return option.type().cast(valueOf(option));
    } finally {
      network.unlock();
    }
  }
}
