package dev.wasisockets.transport;

import java.util.Arrays;

/**
 * What one wait is for: channels, the {@link Readiness} bits wanted of each, and after the wait the
 * bits found ready. Reused from wait to wait, so waiting allocates nothing. A channel may appear
 * more than once (a guest may subscribe to reading and writing separately).
 */
public final class ReadinessSet {
  private TransportChannel[] channels = new TransportChannel[8];
  private int[] interests = new int[8];
  private int[] ready = new int[8];
  private int size;

  /** Empties the set for the next wait. */
  public ReadinessSet clear() {
    Arrays.fill(channels, 0, size, null);
    size = 0;
    return this;
  }

  /** Adds a wait for {@code interest} on {@code channel}; returns its index. */
  public int add(TransportChannel channel, int interest) {
    if (size == channels.length) {
      channels = Arrays.copyOf(channels, size * 2);
      interests = Arrays.copyOf(interests, size * 2);
      ready = Arrays.copyOf(ready, size * 2);
    }
    channels[size] = channel;
    interests[size] = interest;
    ready[size] = 0;
    return size++;
  }

  public int size() {
    return size;
  }

  public TransportChannel channel(int index) {
    return channels[index];
  }

  public int interest(int index) {
    return interests[index];
  }

  /** The bits of {@link #interest} found ready by the last wait; 0 if none. */
  public int ready(int index) {
    return ready[index];
  }

  /** Records what a wait found; transports call this. */
  public void setReady(int index, int bits) {
    ready[index] = bits & interests[index];
  }
}
