package dev.wasisockets.gateway;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How many connections each client address holds, sessions and unfinished upgrades alike, so that
 * no one address can take every file descriptor the gateway has. Thread-safe: connections arrive on
 * every event loop.
 */
final class ConnectionsPerAddress {
  private final int max;
  private final Map<InetAddress, Integer> open = new ConcurrentHashMap<>();

  /** {@code max} connections per address; 0 is no limit. */
  ConnectionsPerAddress(int max) {
    this.max = max;
  }

  int max() {
    return max;
  }

  /** Counts one more connection from {@code address}, unless it holds the most already. */
  boolean tryOpen(InetAddress address) {
    if (max == 0) {
      return true;
    }
    boolean[] admitted = {false};
    open.compute(
        address,
        (key, count) -> {
          int now = count == null ? 0 : count;
          if (now >= max) {
            return count;
          }
          admitted[0] = true;
          return now + 1;
        });
    return admitted[0];
  }

  /** A connection {@link #tryOpen} counted has closed. */
  void closed(InetAddress address) {
    if (max > 0) {
      open.computeIfPresent(address, (key, count) -> count == 1 ? null : count - 1);
    }
  }

  /** Connections {@code address} holds now. */
  int openFrom(InetAddress address) {
    return open.getOrDefault(address, 0);
  }
}
