package dev.wasisockets.transport;

import java.time.Duration;

/**
 * When a transport's wait spins before it parks the guest's thread, for the transports that may:
 * only a wait for one socket's bytes (or connection) to arrive, for up to the spin, and only while
 * most of the last 8 such waits ended within it (a reply on loopback comes within microseconds; a
 * client's next request seldom does). A spin trades CPU for a wake-up's latency, so none is the
 * default: a host's CPU is the embedder's to give. Not thread-safe: one per guest instance.
 */
public final class SpinRule {
  // Of the last 8 waits for one socket's bytes, the ones a spin would have ended (a bit each).
  private static final int HISTORY = 0xFF;

  private final long spinNanos;
  private int shortWaits;

  /** Up to {@code spin} ({@link Duration#ZERO}: never). */
  public SpinRule(Duration spin) {
    if (spin.isNegative()) {
      throw new IllegalArgumentException("a spin cannot be negative: " + spin);
    }
    this.spinNanos = spin.toNanos();
  }

  /** How long a spin lasts. */
  public long spinNanos() {
    return spinNanos;
  }

  /**
   * Whether the wait for {@code set} is of the kind a spin may end: one socket's arrival. Waiting
   * for room to write is waiting for the peer to drain, and a poll over many sockets is a server
   * waiting for clients; spinning there takes the core the other side needs (bulk send lost 15%).
   * Only such waits are {@linkplain #remember remembered}.
   */
  public boolean applies(ReadinessSet set) {
    return spinNanos > 0 && set.size() == 1 && set.interest(0) == Readiness.READ;
  }

  /** Whether to spin now: most of the last 8 waits it applied to ended within the spin. */
  public boolean pays() {
    return Integer.bitCount(shortWaits) > Integer.bitCount(HISTORY) / 2;
  }

  /**
   * What a spin does between two looks: yields the core ({@link Thread#yield}), not a PAUSE
   * instruction ({@link Thread#onSpinWait}). On a virtual machine a loop of PAUSEs makes the
   * hypervisor take the vCPU away (pause-loop exiting), so the reply waited for comes later than
   * without the spin; on this 2-vCPU machine a guest-to-guest ping-pong made 68,000 round trips/s
   * on loopback and 31,000 on the virtual network with PAUSE, 90,000 and 93,000-142,000 yielding.
   * Where no other thread waits for the core, yield returns at once.
   */
  public static void pause() {
    Thread.yield();
  }

  /** Records how long a wait the rule applied to took. */
  public void remember(long waitedNanos) {
    shortWaits = ((shortWaits << 1) | (waitedNanos <= spinNanos ? 1 : 0)) & HISTORY;
  }
}
