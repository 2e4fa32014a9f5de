package dev.wasisockets.transport.virtual;

import dev.wasisockets.transport.AddressInUseException;
import dev.wasisockets.transport.Transport;
import java.io.IOException;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A member of a {@link VirtualNetwork}: a name, its addresses, and its ports. Guests join as this
 * host through {@link #newTransport()}, Java code through {@link #listen} and {@link #connect}.
 * Besides its own addresses, the host is reached from itself at 127.0.0.1 and ::1, as on Linux.
 */
public final class VirtualHost {
  /** Linux's default {@code net.ipv4.ip_local_port_range}: where ports for port 0 come from. */
  static final int FIRST_EPHEMERAL = 32768;

  static final int LAST_EPHEMERAL = 60999;

  private final VirtualNetwork network;
  private final String name;
  private final List<InetAddress> addresses;
  // Under the network's lock. TCP and UDP ports are apart, as on Linux: a UDP 53 and a TCP 53 can
  // both be bound.
  private final Map<Integer, List<Binding>> ports = new HashMap<>();
  private final Map<Integer, List<Binding>> udpPorts = new HashMap<>();
  private int nextEphemeral = FIRST_EPHEMERAL;
  // The links from this host, made when first used; and the ends of connections it has open.
  private final Map<VirtualHost, Link> links = new HashMap<>();
  private final Set<Endpoint> connections = Collections.newSetFromMap(new IdentityHashMap<>());
  private long blackholedSince = Link.NEVER;

  VirtualHost(VirtualNetwork network, String name, List<InetAddress> addresses) {
    this.network = network;
    this.name = name;
    this.addresses = List.copyOf(addresses);
  }

  public String name() {
    return name;
  }

  /** The network this host is a member of (where its {@link VirtualNetwork#faults()} are). */
  public VirtualNetwork network() {
    return network;
  }

  /** The host's addresses on the network, in the order a name lookup gives them. */
  public List<InetAddress> addresses() {
    return addresses;
  }

  /**
   * A transport for one guest instance on this host ({@code
   * WasiSockets.builder().withTransport(host.newTransport())}); closing it, as the instance does,
   * closes every socket the guest still has.
   */
  public Transport newTransport() {
    return newTransport(Duration.ZERO);
  }

  /**
   * As {@link #newTransport()}, whose waits for one socket's bytes spin for up to {@code spin}
   * before they park the guest's thread, while spinning pays: the rule of the direct transport's
   * spin ({@link dev.wasisockets.transport.SpinRule}), for the same trade of CPU for latency.
   */
  public Transport newTransport(Duration spin) {
    return new VirtualTransport(network, this, spin);
  }

  /** A Java listener on {@code port} of every address of the host (0.0.0.0 and ::). */
  public VirtualListener listen(int port) throws IOException {
    return listen(new InetSocketAddress(InetAddress.getByAddress(new byte[16]), port));
  }

  /** A Java listener on {@code local} (port 0: an ephemeral one), with a backlog of 50. */
  public VirtualListener listen(InetSocketAddress local) throws IOException {
    network.lock();
    try {
      return new VirtualListener(network, listenOn(local, 50));
    } finally {
      network.unlock();
    }
  }

  /**
   * A Java connection to {@code remote}, waiting while the listener's queue is full, and on a link
   * with faults for the handshake, or until the network's connect timeout on a cut link.
   *
   * @throws java.net.SocketTimeoutException if the connect timed out (a partition, a blackhole)
   */
  public VirtualConnection connect(InetSocketAddress remote) throws IOException {
    long startedAt = System.nanoTime();
    network.lock();
    try {
      Endpoint end;
      while ((end = network.connect(this, null, remote, startedAt)) == null) {
        network.await(Duration.ofNanos(-1));
      }
      return new VirtualConnection(network, end);
    } finally {
      network.unlock();
    }
  }

  /** A Java UDP socket bound on {@code local} (port 0: an ephemeral one). */
  public VirtualDatagramSocket openUdp(InetSocketAddress local) throws IOException {
    network.lock();
    try {
      UdpPort port = new UdpPort(network, this, VirtualDatagramSocket.familyOf(local));
      port.bind(local);
      return new VirtualDatagramSocket(network, port);
    } finally {
      network.unlock();
    }
  }

  /**
   * Publishes {@code to} (an address and port of the network, e.g. a member's listener) on the real
   * {@code loopback} address (127.0.0.1 or ::1; port 0: an ephemeral one): each connection a real
   * client makes there becomes a connection from this host to {@code to}, so the member sees this
   * host's address as its peer. At most {@link PublishedPort#DEFAULT_MAX_CONNECTIONS} at once.
   *
   * @throws IllegalArgumentException if {@code loopback} is not a loopback address
   * @throws IOException if the real port cannot be bound
   */
  public PublishedPort publish(InetSocketAddress loopback, InetSocketAddress to)
      throws IOException {
    return publish(loopback, to, PublishedPort.DEFAULT_MAX_CONNECTIONS);
  }

  /** As {@link #publish(InetSocketAddress, InetSocketAddress)}, bridging at most {@code max}. */
  public PublishedPort publish(InetSocketAddress loopback, InetSocketAddress to, int max)
      throws IOException {
    return PublishedPort.open(this, loopback, to, max);
  }

  /**
   * Makes this host's {@code port} (on every address of the host) a real server's at {@code
   * outside}: each connection a member makes to it becomes a real TCP connection to {@code
   * outside}, its bytes copied both ways, at most {@link PublishedPort#DEFAULT_MAX_CONNECTIONS} at
   * once. The way out of the network, one address at a time: a guest reaches it by this host's name
   * or address, under its own policy, and nothing else outside.
   *
   * @throws java.net.BindException if the port is taken on this host
   */
  public ForwardedPort forward(int port, InetSocketAddress outside) throws IOException {
    return forward(port, outside, Bridge.DEFAULT_MAX_CONNECTIONS);
  }

  /** As {@link #forward(int, InetSocketAddress)}, bridging at most {@code max} at once. */
  public ForwardedPort forward(int port, InetSocketAddress outside, int max) throws IOException {
    return ForwardedPort.open(this, port, outside, max);
  }

  @Override
  public String toString() {
    return "virtual host " + name + " " + addresses;
  }

  // What follows runs with the network's lock held.

  /** The link from this host to {@code to} (itself too: loopback has a link, for latency). */
  Link linkTo(VirtualHost to) {
    return links.computeIfAbsent(to, t -> new Link(this, t, network.faults().seed()));
  }

  Iterable<Link> links() {
    return links.values();
  }

  /** The ends of this host's connections still open (established or waiting in accept). */
  Set<Endpoint> connections() {
    return connections;
  }

  long blackholedSince() {
    return blackholedSince;
  }

  void blackhole(long now) {
    if (blackholedSince == Link.NEVER) {
      blackholedSince = now;
    }
  }

  void unblackhole() {
    blackholedSince = Link.NEVER;
  }

  /** Binds a listener on {@code local} (an unbound socket's listen). */
  Listening listenOn(InetSocketAddress local, int backlog) throws IOException {
    Binding binding = bind(local);
    binding.listening = new Listening(network, binding, backlog);
    return binding.listening;
  }

  /**
   * Takes {@code local} (port 0: the next free ephemeral port) for a socket.
   *
   * @throws BindException if the address is not this host's
   * @throws AddressInUseException if the port is taken on it
   */
  Binding bind(InetSocketAddress local) throws IOException {
    return bind(local, ports);
  }

  /** As {@link #bind(InetSocketAddress)}, for a UDP socket (UDP's own ports). */
  Binding bindUdp(InetSocketAddress local) throws IOException {
    return bind(local, udpPorts);
  }

  private Binding bind(InetSocketAddress local, Map<Integer, List<Binding>> space)
      throws IOException {
    InetAddress address = local.getAddress();
    if (!isOwn(address)) {
      throw new BindException("Cannot assign requested address");
    }
    int port = local.getPort() == 0 ? freePort(address, space) : local.getPort();
    List<Binding> taken = space.computeIfAbsent(port, p -> new ArrayList<>(1));
    for (Binding other : taken) {
      if (overlap(address, other.address.getAddress())) {
        throw new AddressInUseException("Address already in use");
      }
    }
    Binding binding = new Binding(new InetSocketAddress(address, port), space);
    taken.add(binding);
    return binding;
  }

  private int freePort(InetAddress address, Map<Integer, List<Binding>> space)
      throws AddressInUseException {
    int range = LAST_EPHEMERAL - FIRST_EPHEMERAL + 1;
    for (int i = 0; i < range; i++) {
      int port = nextEphemeral;
      nextEphemeral = port == LAST_EPHEMERAL ? FIRST_EPHEMERAL : port + 1;
      if (isFree(address, port, space)) {
        return port;
      }
    }
    throw new AddressInUseException("Address already in use (no ephemeral port is free)");
  }

  private boolean isFree(InetAddress address, int port, Map<Integer, List<Binding>> space) {
    List<Binding> taken = space.get(port);
    if (taken == null) {
      return true;
    }
    for (Binding other : taken) {
      if (overlap(address, other.address.getAddress())) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether two bindings of one port clash, as on Linux without SO_REUSEPORT: the same address, or
   * a wildcard covering the other (:: covers IPv4 too: a dual-stack socket).
   */
  private static boolean overlap(InetAddress a, InetAddress b) {
    if (a.equals(b)) {
      return true;
    }
    return covers(a, b) || covers(b, a);
  }

  private static boolean covers(InetAddress wildcard, InetAddress other) {
    return wildcard.isAnyLocalAddress()
        && (wildcard instanceof Inet6Address || other instanceof Inet4Address);
  }

  /** Whether the host may bind {@code address}: a wildcard, a loopback address, or its own. */
  boolean isOwn(InetAddress address) {
    return address.isAnyLocalAddress()
        || address.isLoopbackAddress()
        || addresses.contains(address);
  }

  /** The listener a connection to {@code dialed} (an address of this host) reaches, or null. */
  Listening listenerFor(InetSocketAddress dialed) {
    List<Binding> taken = ports.get(dialed.getPort());
    if (taken == null) {
      return null;
    }
    Listening wildcard = null;
    for (Binding binding : taken) {
      Listening listening = binding.listening;
      if (listening == null || listening.isClosed()) {
        continue;
      }
      InetAddress bound = binding.address.getAddress();
      if (bound.equals(dialed.getAddress())) {
        return listening; // as Linux, a listener on the very address wins over a wildcard one
      }
      if (covers(bound, dialed.getAddress())) {
        wildcard = listening;
      }
    }
    return wildcard;
  }

  /**
   * The UDP socket a datagram to {@code target} (an address of this host) reaches, or null: as
   * Linux, one bound on the very address wins over a wildcard one.
   */
  DatagramQueue datagramsFor(InetSocketAddress target) {
    List<Binding> taken = udpPorts.get(target.getPort());
    if (taken == null) {
      return null;
    }
    DatagramQueue wildcard = null;
    for (Binding binding : taken) {
      if (binding.datagrams == null) {
        continue;
      }
      InetAddress bound = binding.address.getAddress();
      if (bound.equals(target.getAddress())) {
        return binding.datagrams;
      }
      if (covers(bound, target.getAddress())) {
        wildcard = binding.datagrams;
      }
    }
    return wildcard;
  }

  /**
   * The source address of a connection to {@code remote}: the loopback address for loopback, else
   * the host's first address of the remote's family.
   */
  InetAddress sourceFor(InetAddress remote) throws IOException {
    if (remote.isLoopbackAddress()) {
      return remote;
    }
    for (InetAddress own : addresses) {
      if (own.getClass() == remote.getClass()) {
        return own;
      }
    }
    throw new NoRouteToHostException(name + " has no address to reach " + remote + " from");
  }

  /** A port a socket holds on this host, on one address. */
  final class Binding {
    private final InetSocketAddress address;
    private final Map<Integer, List<Binding>> space; // TCP's ports or UDP's
    Listening listening; // once the socket listens
    DatagramQueue datagrams; // a UDP socket's: what has come for it
    private boolean released;

    private Binding(InetSocketAddress address, Map<Integer, List<Binding>> space) {
      this.address = address;
      this.space = space;
    }

    InetSocketAddress address() {
      return address;
    }

    /** Gives the port back (the socket closed). */
    void release() {
      if (released) {
        return;
      }
      released = true;
      List<Binding> taken = space.get(address.getPort());
      taken.remove(this);
      if (taken.isEmpty()) {
        space.remove(address.getPort());
      }
    }
  }
}
