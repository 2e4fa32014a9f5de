package dev.wasisockets.transport.virtual;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;

/**
 * A UDP socket's state on the virtual network, shared by a guest's {@link VirtualUdpChannel} and a
 * Java member's {@link VirtualDatagramSocket}: its port, its default peer and its queue. Every
 * method runs with the network's lock held.
 */
final class UdpPort {
  private final VirtualNetwork network;
  private final VirtualHost host;
  private final StandardProtocolFamily family;
  private final DatagramQueue queue;
  private VirtualHost.Binding binding;
  private InetSocketAddress peer;

  UdpPort(VirtualNetwork network, VirtualHost host, StandardProtocolFamily family) {
    this.network = network;
    this.host = host;
    this.family = family;
    this.queue = new DatagramQueue(network);
  }

  void bind(InetSocketAddress local) throws IOException {
    if (binding != null) {
      throw new AlreadyBoundException();
    }
    binding = host.bindUdp(local);
    binding.datagrams = queue;
  }

  /** Linux binds an unbound UDP socket to an ephemeral port on its first send or connect. */
  private void autobind() throws IOException {
    if (binding == null) {
      byte[] wildcard = new byte[family == StandardProtocolFamily.INET ? 4 : 16];
      bind(new InetSocketAddress(InetAddress.getByAddress(wildcard), 0));
    }
  }

  void connect(InetSocketAddress remote) throws IOException {
    autobind();
    peer = remote;
    queue.acceptOnlyFrom(remote);
  }

  /** The receive queue holds {@code capacity} bytes from now on (SO_RCVBUF). */
  void resizeQueue(int capacity) {
    queue.resize(capacity);
  }

  InetSocketAddress peer() {
    return peer;
  }

  InetSocketAddress localAddress() {
    return binding == null ? null : binding.address();
  }

  /** The oldest datagram into {@code dst} and its source, or null (none, or never bound). */
  InetSocketAddress receive(ByteBuffer dst) {
    return queue.poll(dst);
  }

  boolean readable() {
    return queue.hasArrived();
  }

  /**
   * Sends {@code src} as one datagram to {@code target}: the count sent. As UDP on Linux loopback,
   * a datagram to a port nobody has bound, to an address no member has, or to a full queue is
   * dropped, and the send still counts it sent; so is one the link's faults lose, or a cut link (a
   * partition, a blackhole) carries nowhere.
   */
  int send(ByteBuffer src, InetSocketAddress target) throws IOException {
    autobind();
    int count = src.remaining();
    InetSocketAddress source =
        new InetSocketAddress(sourceFor(target), binding.address().getPort());
    VirtualHost to = network.hostAt(host, target.getAddress());
    DatagramQueue receiver = to == null ? null : to.datagramsFor(target);
    if (receiver != null) {
      Link link = host.linkTo(to);
      if (link.isClear()) {
        receiver.offer(source, src, Link.NOW);
      } else if (!link.isBlocked()) {
        long now = System.nanoTime();
        for (int copies = link.copies(); copies > 0; copies--) {
          receiver.offer(source, src, link.arrival(count, now) + link.reorderDelay());
        }
      }
    }
    src.position(src.limit());
    return count;
  }

  /**
   * The source address a datagram to {@code target} carries: the bound address, or for a wildcard
   * bind the loopback address to loopback (and to the wildcard, which Linux sends to loopback) and
   * else the host's own address of the target's family.
   */
  private InetAddress sourceFor(InetSocketAddress target) throws IOException {
    InetAddress bound = binding.address().getAddress();
    if (!bound.isAnyLocalAddress()) {
      return bound;
    }
    InetAddress to = target.getAddress();
    if (to.isAnyLocalAddress()) {
      return to instanceof Inet4Address
          ? InetAddress.getByAddress(new byte[] {127, 0, 0, 1})
          : Inet6Address.getByAddress(null, loopback6(), null);
    }
    return host.sourceFor(to);
  }

  private static byte[] loopback6() {
    byte[] bytes = new byte[16];
    bytes[15] = 1;
    return bytes;
  }

  void close() {
    queue.discard();
    if (binding != null) {
      binding.datagrams = null;
      binding.release();
      binding = null;
    }
    network.changed();
  }
}
