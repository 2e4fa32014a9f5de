package dev.wasisockets.core;

import dev.wasisockets.policy.TokenBucket;

/**
 * One socket's share of the bandwidth limits: its own buckets (when a per-socket rate is set) on
 * top of the guest's aggregate ones in {@link NetworkAccess}. Without limits it holds nothing.
 */
final class Meter {
  static final Meter UNLIMITED = new Meter(null, null);

  final TokenBucket send;
  final TokenBucket receive;

  Meter(TokenBucket send, TokenBucket receive) {
    this.send = send;
    this.receive = receive;
  }
}
