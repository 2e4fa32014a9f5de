package dev.wasisockets.transport.virtual;

import java.util.SplittableRandom;

/**
 * One direction between two hosts of a {@link VirtualNetwork} (or a host and itself), and the
 * faults put on it: latency, bandwidth, UDP loss, duplication and reordering, and whether it is cut
 * (a partition, or either end blackholed). Guarded by the network's lock. A link with no fault is
 * {@linkplain #isClear() clear}, and then the byte path asks nothing else of it, not even the time.
 *
 * <p>Times are {@link System#nanoTime()} rounded up to a {@link #TICK}, so that bytes and wake-ups
 * due within one tick share one mark and one wake-up: the bookkeeping of a fast writer on a slow
 * link stays bounded by time, not by the number of its writes. They are compared with {@code <}
 * (not by subtraction, which the sentinels {@link #NOW} and {@link #NEVER} would overflow): the
 * JVM's nanoTime does not wrap in the life of a process.
 */
final class Link {
  /** The step of the faults' clock: 100 µs, finer than any latency worth simulating. */
  static final long TICK = 100_000;

  /** What a latency-free, unlimited link answers: deliver now. */
  static final long NOW = Long.MIN_VALUE;

  /** What a cut link answers for bytes written now: not until it is healed. */
  static final long NEVER = Long.MAX_VALUE;

  /** The most bytes one delivery time covers, so bytes on a slow link arrive in a stream. */
  static final int SEGMENT = 16 * 1024;

  final VirtualHost from;
  final VirtualHost to;
  private long latencyNanos;
  private long bitsPerSecond; // 0: unlimited
  private double loss;
  private double duplication;
  private double reordering;
  private SplittableRandom random;
  private long busyUntil = NOW; // when the bytes already sent have left, on a limited link
  private long cutSince = NEVER; // a partition between the two hosts, from this time
  private boolean clear = true;

  Link(VirtualHost from, VirtualHost to, long seed) {
    this.from = from;
    this.to = to;
    reseed(seed);
    update(); // an end may be a blackhole already
  }

  /**
   * Starts the link's draws over from {@code seed}: the same seed, the same datagrams on the link
   * in the same order, the same fates. The seed is mixed with the two hosts' names, so each link
   * draws its own sequence, and one link's traffic does not shift another's.
   */
  void reseed(long seed) {
    long mixed = seed;
    for (char c : (from.name() + "\u0000" + to.name()).toCharArray()) {
      mixed = mixed * 0x9E3779B97F4A7C15L + c;
    }
    random = new SplittableRandom(mixed);
  }

  boolean isClear() {
    return clear;
  }

  void latency(long nanos) {
    latencyNanos = nanos;
    update();
  }

  void bandwidth(long bitsPerSecond) {
    this.bitsPerSecond = bitsPerSecond;
    busyUntil = NOW;
    update();
  }

  void loss(double probability) {
    loss = probability;
    update();
  }

  void duplication(double probability) {
    duplication = probability;
    update();
  }

  void reordering(double probability) {
    reordering = probability;
    update();
  }

  /** Cuts the link (a partition), from now on: what is sent is held until it is healed. */
  void cut(long now) {
    if (cutSince == NEVER) {
      cutSince = now;
    }
    update();
  }

  void heal() {
    cutSince = NEVER;
    update();
  }

  /** No latency, bandwidth limit, loss, duplication or reordering; a cut stays. */
  void clearFaults() {
    latencyNanos = 0;
    bitsPerSecond = 0;
    loss = 0;
    duplication = 0;
    reordering = 0;
    busyUntil = NOW;
    update();
  }

  /** The hosts' blackholes changed: the link's clear flag may have. */
  void update() {
    clear =
        latencyNanos == 0
            && bitsPerSecond == 0
            && loss == 0
            && duplication == 0
            && reordering == 0
            && blockedSince() == NEVER;
  }

  /**
   * Since when the link has carried nothing: a partition or a blackhole at either end (a host is
   * never cut from itself), or {@link #NEVER} while it carries. Bytes due after this time wait.
   */
  long blockedSince() {
    if (from == to) {
      return NEVER;
    }
    return Math.min(cutSince, Math.min(from.blackholedSince(), to.blackholedSince()));
  }

  boolean isBlocked() {
    return blockedSince() != NEVER;
  }

  /** Whether bytes due at {@code due} may be read at {@code now}. */
  boolean delivered(long due, long now) {
    return due <= now && due < blockedSince();
  }

  /**
   * When {@code count} bytes sent at {@code now} arrive: after the bytes already on their way have
   * left at the link's bandwidth, then the latency.
   */
  long arrival(int count, long now) {
    long leaves = now;
    if (bitsPerSecond > 0) {
      long start = Math.max(now, busyUntil);
      busyUntil = start + Math.max(1, count * 8L * 1_000_000_000L / bitsPerSecond);
      leaves = busyUntil;
    }
    return roundUp(leaves + latencyNanos);
  }

  /** One round trip's time: what a TCP handshake takes on this link and the one back. */
  long handshakeNanos(Link back) {
    return latencyNanos + back.latencyNanos;
  }

  /** How many copies of a datagram arrive: 0 (lost), 1, or 2 (duplicated). */
  int copies() {
    if (loss > 0 && random.nextDouble() < loss) {
      return 0;
    }
    return duplication > 0 && random.nextDouble() < duplication ? 2 : 1;
  }

  /**
   * How much later than its arrival a datagram comes, so that the ones sent after it overtake it:
   * 0, or for a reordered one the link's latency plus a millisecond.
   */
  long reorderDelay() {
    return reordering > 0 && random.nextDouble() < reordering ? latencyNanos + 1_000_000 : 0;
  }

  static long roundUp(long nanos) {
    long rest = Math.floorMod(nanos, TICK);
    return rest == 0 ? nanos : nanos - rest + TICK;
  }

  @Override
  public String toString() {
    return from.name() + " -> " + to.name();
  }
}
