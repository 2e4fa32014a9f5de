package dev.wasisockets.transport.virtual;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Faults put on a {@link VirtualNetwork} on purpose, for tests: a link's latency and bandwidth, UDP
 * loss, duplication and reordering (drawn from a seed, so a run repeats), resets, partitions and
 * blackholes. Each reaches a guest as a real network's would: bytes late (EAGAIN meanwhile), a
 * connection reset (ECONNRESET), a connect nobody answers (ETIMEDOUT after the {@linkplain
 * #connectTimeout connect timeout}). Thread-safe; a fault takes effect at once, for sockets already
 * open too.
 *
 * <pre>{@code
 * network.faults().seed(42).between(app, db).latency(Duration.ofMillis(20)).loss(0.1);
 * network.faults().partition(app, db);   // connects time out, bytes wait
 * network.faults().heal(app, db);        // the bytes that waited arrive
 * }</pre>
 */
public final class NetworkFaults {
  /**
   * How long Linux waits for an answer to a connect: the SYN and its 6 retries ({@code
   * tcp_syn_retries}), 1 + 2 + 4 + ... + 64 seconds.
   */
  public static final Duration LINUX_CONNECT_TIMEOUT = Duration.ofSeconds(127);

  private final VirtualNetwork network;
  private final Set<InetAddress> blackholedAddresses = new HashSet<>();
  private long seed;
  private long connectTimeoutNanos = LINUX_CONNECT_TIMEOUT.toNanos();

  NetworkFaults(VirtualNetwork network) {
    this.network = network;
  }

  /**
   * Starts every link's draws (loss, duplication, reordering) over from {@code seed} (0 until set):
   * the same seed and the same datagrams on a link give the same fates.
   */
  public NetworkFaults seed(long seed) {
    network.lock();
    try {
      this.seed = seed;
      for (VirtualHost host : network.hosts()) {
        for (Link link : host.links()) {
          link.reseed(seed);
        }
      }
      return this;
    } finally {
      network.unlock();
    }
  }

  /** The seed the links draw from. */
  public long seed() {
    return seed;
  }

  /**
   * How long a connect across a cut link or to a blackhole waits unanswered before it fails with
   * ETIMEDOUT: {@link #LINUX_CONNECT_TIMEOUT} unless set. A guest's own connect timeout (its
   * limits) or a non-blocking connect's poll may end the wait sooner.
   */
  public NetworkFaults connectTimeout(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("a connect timeout must be positive: " + timeout);
    }
    network.lock();
    try {
      connectTimeoutNanos = timeout.toNanos();
      network.changed(); // connects waiting may have waited long enough now
      return this;
    } finally {
      network.unlock();
    }
  }

  /** The faults of the link from {@code from} to {@code to} (one direction; itself: loopback). */
  public LinkFaults link(VirtualHost from, VirtualHost to) {
    network.lock();
    try {
      return new LinkFaults(network, List.of(own(from).linkTo(own(to))));
    } finally {
      network.unlock();
    }
  }

  /** The faults of both directions between {@code a} and {@code b}, set alike. */
  public LinkFaults between(VirtualHost a, VirtualHost b) {
    network.lock();
    try {
      return new LinkFaults(network, List.of(own(a).linkTo(own(b)), b.linkTo(a)));
    } finally {
      network.unlock();
    }
  }

  /**
   * Cuts {@code a} and {@code b} apart, both ways: a connect between them waits unanswered (then
   * ETIMEDOUT), bytes written on their connections wait (the writer meets back-pressure once its
   * buffer is full) and arrive when {@linkplain #heal healed}, as TCP retransmits them; datagrams
   * sent meanwhile are lost. Nothing is reset.
   */
  public NetworkFaults partition(VirtualHost a, VirtualHost b) {
    network.lock();
    try {
      long now = System.nanoTime();
      own(a).linkTo(own(b)).cut(now);
      b.linkTo(a).cut(now);
      return this;
    } finally {
      network.unlock();
    }
  }

  /** Ends a {@link #partition} of {@code a} and {@code b}: what waited arrives, connects go on. */
  public NetworkFaults heal(VirtualHost a, VirtualHost b) {
    network.lock();
    try {
      own(a).linkTo(own(b)).heal();
      b.linkTo(a).heal();
      network.changed();
      return this;
    } finally {
      network.unlock();
    }
  }

  /**
   * Makes {@code host} a blackhole: as a partition from every other host at once (its own loopback
   * still works), until {@link #healAll}.
   */
  public NetworkFaults blackhole(VirtualHost host) {
    network.lock();
    try {
      own(host).blackhole(System.nanoTime());
      updateLinks();
      return this;
    } finally {
      network.unlock();
    }
  }

  /**
   * Makes {@code address}, which no member has, a blackhole: a connect to it waits unanswered until
   * its timeout (ETIMEDOUT) instead of failing at once with EHOSTUNREACH, as a connect to a machine
   * that is down does.
   *
   * @throws IllegalArgumentException if a member has the address (blackhole the host instead)
   */
  public NetworkFaults blackhole(InetAddress address) {
    network.lock();
    try {
      for (VirtualHost host : network.hosts()) {
        if (host.addresses().contains(address)) {
          throw new IllegalArgumentException(address + " is " + host + "'s: blackhole the host");
        }
      }
      blackholedAddresses.add(address);
      return this;
    } finally {
      network.unlock();
    }
  }

  /** Ends every partition and blackhole; the links' other faults stay. */
  public NetworkFaults healAll() {
    network.lock();
    try {
      blackholedAddresses.clear();
      for (VirtualHost host : network.hosts()) {
        host.unblackhole();
        for (Link link : host.links()) {
          link.heal();
        }
      }
      updateLinks();
      network.changed();
      return this;
    } finally {
      network.unlock();
    }
  }

  /** Every fault off: the links clear, partitions and blackholes healed; the seed stays. */
  public NetworkFaults clear() {
    network.lock();
    try {
      for (VirtualHost host : network.hosts()) {
        for (Link link : host.links()) {
          link.clearFaults(); // the cuts go with healAll below
        }
      }
      healAll();
      return this;
    } finally {
      network.unlock();
    }
  }

  /**
   * Resets every connection {@code host} has (established, or waiting in a listener's queue), at
   * both ends, as an RST reaching each: their next call is ECONNRESET. The count reset.
   */
  public int resetConnections(VirtualHost host) {
    network.lock();
    try {
      List<Endpoint> ends = new ArrayList<>(own(host).connections());
      for (Endpoint end : ends) {
        end.resetBoth();
      }
      return ends.size();
    } finally {
      network.unlock();
    }
  }

  /**
   * Resets, at both ends, the connection between {@code oneEnd} and {@code otherEnd} (in either
   * order, each an address and port as its socket sees it); whether there was one.
   */
  public boolean resetConnection(InetSocketAddress oneEnd, InetSocketAddress otherEnd) {
    network.lock();
    try {
      for (VirtualHost host : network.hosts()) {
        for (Endpoint end : host.connections()) {
          if (end.local.equals(oneEnd) && end.remote.equals(otherEnd)
              || end.local.equals(otherEnd) && end.remote.equals(oneEnd)) {
            end.resetBoth();
            return true;
          }
        }
      }
      return false;
    } finally {
      network.unlock();
    }
  }

  // With the network's lock held:

  boolean isBlackholed(InetAddress address) {
    return !blackholedAddresses.isEmpty() && blackholedAddresses.contains(address);
  }

  long connectTimeoutNanos() {
    return connectTimeoutNanos;
  }

  private void updateLinks() {
    for (VirtualHost host : network.hosts()) {
      for (Link link : host.links()) {
        link.update();
      }
    }
  }

  private VirtualHost own(VirtualHost host) {
    if (host.network() != network) {
      throw new IllegalArgumentException(host + " is not on this network");
    }
    return host;
  }
}
