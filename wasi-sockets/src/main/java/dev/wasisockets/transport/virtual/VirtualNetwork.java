package dev.wasisockets.transport.virtual;

import dev.wasisockets.address.IpLiteral;
import dev.wasisockets.transport.SpinRule;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An in-process network: hosts with names and addresses, on which guests (each through its own
 * {@link VirtualHost#newTransport() transport}) and Java code open TCP connections to each other
 * with the semantics of Linux loopback, without an OS socket.
 *
 * <p>Thread-safe. One lock guards the whole network's state, and one condition tells every waiter
 * (a guest in {@code poll_oneoff}, a Java thread in {@code accept}) that something changed: the
 * waiter checks its own sockets under the lock and parks on the condition under the same lock, so a
 * change between the check and the park cannot be lost. Simple and exact; waking only the waiters a
 * change concerns is for a later slice (the benchmark).
 *
 * <p>{@link #faults()} puts faults on the network for tests: latency, bandwidth, loss, partitions.
 * What a fault makes happen later (bytes arriving after a latency, a connect timing out) is a
 * wake-up time the network keeps: a waiter parks no longer than until the next one, then looks
 * again, so the network needs no thread of its own for them either.
 *
 * <p>A host created without addresses gets the next of 10.0.0.1, 10.0.0.2, ... and of fd00::1,
 * fd00::2, ... (both families), skipping any address another host was given explicitly.
 */
public final class VirtualNetwork {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Map<String, VirtualHost> byName = new HashMap<>();
  private final Map<InetAddress, VirtualHost> byAddress = new HashMap<>();
  private final NetworkFaults faults = new NetworkFaults(this);
  private final RingPool rings = new RingPool();
  // When something a fault delayed comes due, rounded to Link.TICK: the waiters' latest wake-ups.
  private final TreeSet<Long> wakeUps = new TreeSet<>();
  private int nextAssigned = 1;
  // How many changes there have been (written under the lock, read by spinning waiters without
  // it), and how many waiters are parked on the condition (under the lock).
  private volatile long version;
  private int parked;
  private long signals;

  private VirtualNetwork() {}

  public static VirtualNetwork create() {
    return new VirtualNetwork();
  }

  /**
   * Adds a host named {@code name} (unique in the network, case-insensitive as DNS names are) with
   * {@code addresses} (IPv4 and/or IPv6, unique in the network, neither wildcard, loopback nor
   * multicast), or, when none is given, one of each family assigned by the network.
   */
  public VirtualHost host(String name, InetAddress... addresses) {
    String key = name.toLowerCase(Locale.ROOT);
    if (key.isEmpty() || IpLiteral.parse(key) != null || key.equals("localhost")) {
      throw new IllegalArgumentException("not a host name: \"" + name + "\"");
    }
    lock.lock();
    try {
      if (byName.containsKey(key)) {
        throw new IllegalArgumentException("a host named " + name + " is already on the network");
      }
      List<InetAddress> own = new ArrayList<>(List.of(addresses));
      for (InetAddress address : own) {
        if (address.isAnyLocalAddress()
            || address.isLoopbackAddress()
            || address.isMulticastAddress()) {
          throw new IllegalArgumentException("a host cannot have the address " + address);
        }
        if (byAddress.containsKey(address)) {
          throw new IllegalArgumentException(address + " is already " + byAddress.get(address));
        }
      }
      if (own.isEmpty()) {
        own.addAll(assignAddresses());
      }
      VirtualHost host = new VirtualHost(this, name, own);
      byName.put(key, host);
      for (InetAddress address : own) {
        byAddress.put(address, host);
      }
      return host;
    } finally {
      lock.unlock();
    }
  }

  /** The next free pair of 10.0.0.0/8 and fd00::/8 addresses, numbered alike. */
  private List<InetAddress> assignAddresses() {
    while (nextAssigned < 0xFF_FFFF) {
      int n = nextAssigned++;
      try {
        InetAddress v4 =
            Inet4Address.getByAddress(
                new byte[] {10, (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
        byte[] v6bytes = new byte[16];
        v6bytes[0] = (byte) 0xfd;
        v6bytes[13] = (byte) (n >>> 16);
        v6bytes[14] = (byte) (n >>> 8);
        v6bytes[15] = (byte) n;
        InetAddress v6 = Inet6Address.getByAddress(null, v6bytes, null);
        if ((n & 0xFF) != 0 && !byAddress.containsKey(v4) && !byAddress.containsKey(v6)) {
          return List.of(v4, v6);
        }
      } catch (UnknownHostException e) {
        throw new AssertionError("four and sixteen bytes are addresses", e);
      }
    }
    throw new IllegalStateException("10.0.0.0/8 is used up");
  }

  /**
   * What {@code name} resolves to on this network: an IP literal itself, {@code localhost} the
   * loopback addresses, a member's name its addresses.
   *
   * @throws UnknownHostException for any other name (nothing leaves the network)
   */
  public List<InetAddress> resolve(String name) throws UnknownHostException {
    InetAddress literal = IpLiteral.parse(name);
    if (literal != null) {
      return List.of(literal);
    }
    String key = name.toLowerCase(Locale.ROOT);
    if (key.endsWith(".")) {
      key = key.substring(0, key.length() - 1); // a fully qualified name
    }
    if (key.equals("localhost")) {
      return List.of(
          InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1}),
          InetAddress.getByAddress("localhost", ipv6Loopback()));
    }
    lock.lock();
    try {
      VirtualHost host = byName.get(key);
      if (host == null) {
        throw new UnknownHostException(name + ": no such host on the virtual network");
      }
      return host.addresses();
    } finally {
      lock.unlock();
    }
  }

  /** The faults put on this network: latency, bandwidth, loss, partitions, resets, blackholes. */
  public NetworkFaults faults() {
    return faults;
  }

  private static byte[] ipv6Loopback() {
    byte[] bytes = new byte[16];
    bytes[15] = 1;
    return bytes;
  }

  // What follows is the members' side: the lock, the condition, and connection set-up.

  void lock() {
    lock.lock();
  }

  void unlock() {
    lock.unlock();
  }

  /** Wakes every waiter to look again; called, with the lock held, by whatever changes state. */
  void changed() {
    version++;
    if (parked > 0) {
      signals++;
      changed.signalAll();
    }
  }

  /** How many times a change has woken the parked waiters; for tests. */
  long signals() {
    lock.lock();
    try {
      return signals;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Has every waiter look again at {@code due} (a {@link System#nanoTime()}), with the lock held.
   */
  void wakeAt(long due) {
    // Times already passed go first (a waiter may never have come for them), so the set holds
    // future ticks only: at most the longest delay a fault makes, over Link.TICK.
    long now = System.nanoTime();
    while (!wakeUps.isEmpty() && wakeUps.first() - now <= 0) {
      wakeUps.pollFirst();
    }
    wakeUps.add(Link.roundUp(due));
  }

  /** How many wake-up times are kept; for tests. */
  int pendingWakeUps() {
    lock.lock();
    try {
      return wakeUps.size();
    } finally {
      lock.unlock();
    }
  }

  /** The connections' smallest rings, for reuse; with the lock held. */
  RingPool rings() {
    return rings;
  }

  /** Every host of the network, with the lock held. */
  Iterable<VirtualHost> hosts() {
    return byName.values();
  }

  /**
   * Waits, with the lock held, until something changes, something a fault delayed comes due, or
   * {@code timeout} passes (negative: no limit); the time left (at most 0 once it has passed, -1
   * for no limit). The caller looks again whatever woke it.
   *
   * @throws InterruptedIOException if the thread is interrupted, which stays interrupted
   */
  long await(Duration timeout) throws InterruptedIOException {
    long now = System.nanoTime();
    long left = timeout.isNegative() ? Long.MAX_VALUE : timeout.toNanos();
    if (!wakeUps.isEmpty()) {
      boolean due = false;
      while (!wakeUps.isEmpty() && wakeUps.first() - now <= 0) {
        wakeUps.pollFirst();
        due = true;
      }
      if (due) {
        changed.signalAll(); // what came due may concern any waiter
        return timeout.isNegative() ? -1 : left;
      }
    }
    long untilDue = wakeUps.isEmpty() ? Long.MAX_VALUE : wakeUps.first() - now;
    parked++;
    try {
      if (left == Long.MAX_VALUE && untilDue == Long.MAX_VALUE) {
        changed.await();
        return -1;
      }
      long wait = Math.min(left, untilDue);
      long unused = changed.awaitNanos(wait);
      return timeout.isNegative() ? -1 : Math.max(0, left - (wait - unused));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting on the virtual network");
    } finally {
      parked--;
    }
  }

  /**
   * Watches for a change for up to {@code nanos} with the lock released, without parking: a guest's
   * spin (see {@link dev.wasisockets.transport.SpinRule}), for a reply that comes within
   * microseconds, which the park and the wake-up (a futex call each, and tens of microseconds
   * between them) would delay. Whether something changed; the caller looks again under the lock, as
   * after any wake-up. A waiter that holds the lock more than once, or is interrupted, does not
   * watch.
   */
  boolean watchForChange(long nanos) {
    if (nanos <= 0 || lock.getHoldCount() != 1 || Thread.currentThread().isInterrupted()) {
      return false;
    }
    long seen = version;
    long deadline = System.nanoTime() + nanos;
    lock.unlock();
    boolean locked = false;
    try {
      while (version == seen && System.nanoTime() - deadline < 0) {
        SpinRule.pause();
      }
      // The change's writer may still hold the lock: taking it in a spin too spares the park
      // and the wake-up a plain lock() would cost while the writer finishes its call.
      while (!(locked = lock.tryLock()) && System.nanoTime() - deadline < 0) {
        SpinRule.pause();
      }
    } finally {
      if (!locked) {
        lock.lock();
      }
    }
    return version != seen;
  }

  /**
   * The host {@code address} reaches from {@code from}: itself for loopback (and for the wildcard,
   * which Linux connects to as the host itself), or null.
   */
  VirtualHost hostAt(VirtualHost from, InetAddress address) {
    return address.isLoopbackAddress() || address.isAnyLocalAddress()
        ? from
        : byAddress.get(address);
  }

  /**
   * Connects, with the lock held, from {@code from} (from {@code bound}, the socket's port, or an
   * ephemeral one when null) to {@code remote}, a connect begun at {@code startedAt}. The client's
   * end, or null while the connect must wait: for the listener's queue to have room (as a Linux SYN
   * waits for room), and on a link with faults for its handshake or a cut link's timeout.
   *
   * @throws ConnectException if nobody listens there (ECONNREFUSED)
   * @throws NoRouteToHostException if no host has the address (EHOSTUNREACH)
   * @throws SocketTimeoutException if a cut link or a blackhole left it unanswered (ETIMEDOUT)
   */
  Endpoint connect(
      VirtualHost from, VirtualHost.Binding bound, InetSocketAddress remote, long startedAt)
      throws IOException {
    if (inFlight(from, remote, startedAt)) {
      return null;
    }
    Listening listening = listenerAt(from, remote);
    if (listening.isFull()) {
      return null;
    }
    InetAddress source;
    if (bound != null && !bound.address().getAddress().isAnyLocalAddress()) {
      source = bound.address().getAddress();
    } else {
      source = from.sourceFor(remote.getAddress());
    }
    VirtualHost.Binding binding =
        bound != null ? bound : from.bind(new InetSocketAddress(source, 0));
    int port = binding.address().getPort();
    Endpoint clientEnd =
        Endpoint.pair(
            this,
            from,
            new InetSocketAddress(source, port),
            hostAt(from, remote.getAddress()),
            remote,
            binding);
    listening.offer(clientEnd.peer());
    return clientEnd;
  }

  /**
   * Whether a connect would end now (connected, or failed), with the lock held: what a poll on a
   * connecting socket asks.
   */
  boolean connectWouldEnd(VirtualHost from, InetSocketAddress remote, long startedAt) {
    try {
      return !inFlight(from, remote, startedAt) && !listenerAt(from, remote).isFull();
    } catch (IOException e) {
      return true; // the try reports the failure
    }
  }

  /**
   * Whether a connect begun at {@code startedAt} is still on its way through the faults: the
   * handshake's round trip on a link with latency, or no answer at all across a cut link or to a
   * blackholed address, until the network's connect timeout. Has the waiters woken when that ends.
   *
   * @throws SocketTimeoutException once the connect has waited its timeout unanswered
   */
  private boolean inFlight(VirtualHost from, InetSocketAddress remote, long startedAt)
      throws IOException {
    if (remote.isUnresolved()) {
      throw new UnknownHostException(remote.getHostString());
    }
    VirtualHost target = hostAt(from, remote.getAddress());
    if (target == null && !faults.isBlackholed(remote.getAddress())) {
      return false; // listenerAt reports that no host has the address
    }
    if (target != null) {
      Link there = from.linkTo(target);
      Link back = target.linkTo(from);
      if (there.isClear() && back.isClear()) {
        return false;
      }
      if (!there.isBlocked() && !back.isBlocked()) {
        long answered = startedAt + there.handshakeNanos(back);
        if (System.nanoTime() - answered < 0) {
          wakeAt(Link.roundUp(answered));
          return true;
        }
        return false;
      }
    }
    long givesUp = startedAt + faults.connectTimeoutNanos();
    if (System.nanoTime() - givesUp >= 0) {
      throw new SocketTimeoutException("Connection timed out");
    }
    wakeAt(Link.roundUp(givesUp));
    return true;
  }

  /**
   * The listener at {@code remote} as seen from {@code from}.
   *
   * @throws ConnectException if nobody listens there
   * @throws NoRouteToHostException if no host has the address
   */
  Listening listenerAt(VirtualHost from, InetSocketAddress remote) throws IOException {
    if (remote.isUnresolved()) {
      throw new UnknownHostException(remote.getHostString());
    }
    VirtualHost host = hostAt(from, remote.getAddress());
    if (host == null) {
      throw new NoRouteToHostException("No route to host: no member has " + remote.getAddress());
    }
    Listening listening = host.listenerFor(remote);
    if (listening == null) {
      throw new ConnectException("Connection refused");
    }
    return listening;
  }
}
