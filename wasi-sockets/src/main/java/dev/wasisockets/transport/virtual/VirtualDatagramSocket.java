package dev.wasisockets.transport.virtual;

import java.io.Closeable;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetConnectedException;
import java.time.Duration;

/**
 * A Java member's UDP socket on the virtual network, as a {@code DatagramSocket}: bound when made,
 * {@link #send} never waits, {@link #receive} waits for the next datagram. Thread-safe.
 */
public final class VirtualDatagramSocket implements Closeable {
  /** The most a datagram carries: 65,535 less the IPv4 and UDP headers, as on Linux. */
  public static final int MAX_PAYLOAD = 65_507;

  /** The most an IPv6 datagram carries: 65,535 less the UDP header (IPv6's is not counted). */
  public static final int MAX_IPV6_PAYLOAD = 65_527;

  private final VirtualNetwork network;
  private final UdpPort port;
  private boolean closed;

  VirtualDatagramSocket(VirtualNetwork network, UdpPort port) {
    this.network = network;
    this.port = port;
  }

  static StandardProtocolFamily familyOf(InetSocketAddress local) {
    return local.getAddress() instanceof Inet6Address
        ? StandardProtocolFamily.INET6
        : StandardProtocolFamily.INET;
  }

  /** The bound address, with the port given (an ephemeral one if 0 was asked). */
  public InetSocketAddress localAddress() {
    network.lock();
    try {
      return port.localAddress();
    } finally {
      network.unlock();
    }
  }

  /**
   * Sets the socket's peer, as a UDP connect: {@link #send(ByteBuffer)} goes to it, and from now on
   * only its datagrams are received (those already queued stay), as Linux filters.
   */
  public void connect(InetSocketAddress peer) throws IOException {
    network.lock();
    try {
      ensureOpen();
      port.connect(peer);
    } finally {
      network.unlock();
    }
  }

  /**
   * Sends {@code payload}'s remaining bytes as one datagram to {@code target}; dropped, as UDP, if
   * nobody takes it there.
   *
   * @throws IOException "Message too long" for more than {@link #MAX_PAYLOAD} bytes ({@link
   *     #MAX_IPV6_PAYLOAD} to an IPv6 address)
   */
  public void send(ByteBuffer payload, InetSocketAddress target) throws IOException {
    int most = target.getAddress() instanceof Inet6Address ? MAX_IPV6_PAYLOAD : MAX_PAYLOAD;
    if (payload.remaining() > most) {
      throw new IOException("Message too long");
    }
    network.lock();
    try {
      ensureOpen();
      port.send(payload, target);
    } finally {
      network.unlock();
    }
  }

  /**
   * Sends to the peer {@link #connect} set.
   *
   * @throws NotYetConnectedException if there is none
   */
  public void send(ByteBuffer payload) throws IOException {
    InetSocketAddress peer;
    network.lock();
    try {
      peer = port.peer();
    } finally {
      network.unlock();
    }
    if (peer == null) {
      throw new NotYetConnectedException();
    }
    send(payload, peer);
  }

  /**
   * The next datagram into {@code dst} (what does not fit is lost) and its source, waiting up to
   * {@code timeout} (negative: no limit).
   *
   * @throws SocketTimeoutException if none came in time
   */
  public InetSocketAddress receive(ByteBuffer dst, Duration timeout) throws IOException {
    network.lock();
    try {
      Duration left = timeout;
      while (true) {
        ensureOpen();
        InetSocketAddress source = port.receive(dst);
        if (source != null) {
          return source;
        }
        if (!timeout.isNegative() && left.isZero()) {
          throw new SocketTimeoutException("no datagram within " + timeout);
        }
        long nanos = network.await(left);
        left = timeout.isNegative() ? left : Duration.ofNanos(nanos);
      }
    } finally {
      network.unlock();
    }
  }

  private void ensureOpen() throws ClosedChannelException {
    if (closed) {
      throw new ClosedChannelException();
    }
  }

  /** Closes the socket: its port is free again and what was queued is gone. */
  @Override
  public void close() {
    network.lock();
    try {
      if (!closed) {
        closed = true;
        port.close();
      }
    } finally {
      network.unlock();
    }
  }
}
