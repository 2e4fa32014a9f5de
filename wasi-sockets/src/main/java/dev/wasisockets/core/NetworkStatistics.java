package dev.wasisockets.core;

import dev.wasisockets.policy.NetworkUse;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one guest instance did with the network, for the embedder: decisions per use, bytes per
 * direction (exactly what crossed the transport), and time spent throttled. Safe to read from any
 * thread while the guest runs.
 */
public final class NetworkStatistics {
  private final Map<NetworkUse, AtomicLong> allowed = new EnumMap<>(NetworkUse.class);
  private final Map<NetworkUse, AtomicLong> denied = new EnumMap<>(NetworkUse.class);
  private final AtomicLong bytesSent = new AtomicLong();
  private final AtomicLong bytesReceived = new AtomicLong();
  private final AtomicLong throttledNanos = new AtomicLong();

  NetworkStatistics() {
    for (NetworkUse use : NetworkUse.values()) {
      allowed.put(use, new AtomicLong());
      denied.put(use, new AtomicLong());
    }
  }

  public long allowed(NetworkUse use) {
    return allowed.get(use).get();
  }

  public long denied(NetworkUse use) {
    return denied.get(use).get();
  }

  public long bytesSent() {
    return bytesSent.get();
  }

  public long bytesReceived() {
    return bytesReceived.get();
  }

  /** How long the guest waited for bandwidth, in nanoseconds. */
  public long throttledNanos() {
    return throttledNanos.get();
  }

  void decided(NetworkUse use, boolean wasAllowed) {
    (wasAllowed ? allowed : denied).get(use).incrementAndGet();
  }

  void sent(long bytes) {
    bytesSent.addAndGet(bytes);
  }

  void received(long bytes) {
    bytesReceived.addAndGet(bytes);
  }

  void throttled(long nanos) {
    throttledNanos.addAndGet(nanos);
  }
}
