package dev.wasisockets.policy;

import java.net.InetSocketAddress;

/**
 * What {@link NetworkPolicy#resolve} decided for a host as a client spelled it: the address to use
 * (null when denied) and the decision that allowed or denied it.
 */
public record Resolution(InetSocketAddress address, Decision decision) {
  public boolean allowed() {
    return decision.allowed();
  }
}
