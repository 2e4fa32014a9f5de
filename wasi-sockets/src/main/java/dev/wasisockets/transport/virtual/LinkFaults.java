package dev.wasisockets.transport.virtual;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The faults of one link of a {@link VirtualNetwork}, or of both directions between two hosts (see
 * {@link NetworkFaults#link} and {@link NetworkFaults#between}). Each setter takes effect at once,
 * for bytes and datagrams sent from then on. Thread-safe.
 */
public final class LinkFaults {
  private final VirtualNetwork network;
  private final List<Link> links;

  LinkFaults(VirtualNetwork network, List<Link> links) {
    this.network = network;
    this.links = links;
  }

  /**
   * One-way delay: bytes and datagrams arrive {@code latency} after they are sent, and a TCP
   * connect completes after the round trip (a non-blocking connect is EINPROGRESS meanwhile).
   */
  public LinkFaults latency(Duration latency) {
    if (latency.isNegative()) {
      throw new IllegalArgumentException("a latency cannot be negative: " + latency);
    }
    long nanos = latency.toNanos();
    return set(link -> link.latency(nanos));
  }

  /**
   * The link's rate in bits per second (0: unlimited), shared by every connection and datagram on
   * it: bytes leave one after another at this rate, then take the latency.
   */
  public LinkFaults bandwidth(long bitsPerSecond) {
    if (bitsPerSecond < 0) {
      throw new IllegalArgumentException("a bandwidth cannot be negative: " + bitsPerSecond);
    }
    return set(link -> link.bandwidth(bitsPerSecond));
  }

  /** The share of UDP datagrams lost, from 0 to 1 (TCP does not lose bytes: it retransmits). */
  public LinkFaults loss(double probability) {
    check(probability);
    return set(link -> link.loss(probability));
  }

  /** The share of UDP datagrams that arrive twice, from 0 to 1. */
  public LinkFaults duplication(double probability) {
    check(probability);
    return set(link -> link.duplication(probability));
  }

  /**
   * The share of UDP datagrams held back (by the latency plus a millisecond) so that those sent
   * after them overtake them, from 0 to 1.
   */
  public LinkFaults reordering(double probability) {
    check(probability);
    return set(link -> link.reordering(probability));
  }

  /** No latency, bandwidth limit, loss, duplication or reordering (a partition stays). */
  public LinkFaults clear() {
    return set(Link::clearFaults);
  }

  private static void check(double probability) {
    if (!(probability >= 0 && probability <= 1)) {
      throw new IllegalArgumentException("a probability is from 0 to 1: " + probability);
    }
  }

  private LinkFaults set(Consumer<Link> change) {
    network.lock();
    try {
      links.forEach(change);
      network.changed();
      return this;
    } finally {
      network.unlock();
    }
  }
}
