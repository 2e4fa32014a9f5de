package dev.wasisockets.policy;

import java.util.function.LongSupplier;

/**
 * Bytes per second with a burst of one second's worth: tokens refill continuously at the rate up to
 * the capacity; each byte that moves takes one. Time comes from an injectable nanosecond clock so
 * that tests need not sleep. Not thread-safe: one guest thread uses it.
 */
public final class TokenBucket {
  private final long bytesPerSecond;
  private final LongSupplier nanoClock;
  private double tokens;
  private long lastRefill;

  public TokenBucket(long bytesPerSecond, LongSupplier nanoClock) {
    if (bytesPerSecond <= 0) {
      throw new IllegalArgumentException("a rate must be positive: " + bytesPerSecond);
    }
    this.bytesPerSecond = bytesPerSecond;
    this.nanoClock = nanoClock;
    this.tokens = bytesPerSecond;
    this.lastRefill = nanoClock.getAsLong();
  }

  /** How many bytes may move now (at most {@code wanted}). */
  public long available(long wanted) {
    refill();
    return Math.max(0, Math.min(wanted, (long) tokens));
  }

  /** Takes {@code bytes} tokens for bytes that moved. */
  public void consume(long bytes) {
    refill();
    tokens -= bytes;
  }

  /** How long until at least one byte may move; 0 if one may now. */
  public long nanosUntilAvailable() {
    refill();
    return tokens >= 1 ? 0 : (long) Math.ceil((1 - tokens) * 1e9 / bytesPerSecond);
  }

  private void refill() {
    long now = nanoClock.getAsLong();
    tokens = Math.min(bytesPerSecond, tokens + (now - lastRefill) * (bytesPerSecond / 1e9));
    lastRefill = now;
  }
}
