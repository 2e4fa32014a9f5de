package dev.wasisockets.core;

import dev.wasisockets.policy.Decision;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.transport.ReadinessSet;
import dev.wasisockets.transport.Transport;
import dev.wasisockets.transport.TransportChannel;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A guest's way out: the transport its sockets use and the policy every address passes first.
 * Sockets hold one and go through it for every use of an address, so no code path can reach the
 * transport with an address the policy has not seen.
 */
public final class NetworkAccess {
  private final Transport transport;
  private final NetworkPolicy policy;
  private final ReadinessSet single = new ReadinessSet();

  public NetworkAccess(Transport transport, NetworkPolicy policy) {
    this.transport = transport;
    this.policy = policy;
  }

  public Transport transport() {
    return transport;
  }

  /** EACCES unless the policy allows {@code use} of {@code address} (the policy logs denials). */
  public void check(NetworkUse use, InetSocketAddress address) {
    Decision decision = policy.decide(use, address);
    if (!decision.allowed()) {
      throw new ErrnoException(Errno.EACCES, "denied by policy (" + decision.rule() + ")");
    }
  }

  /** EACCES unless the policy allows looking {@code name} up (the policy logs denials). */
  public void checkLookup(String name) {
    Decision decision = policy.decideLookup(name);
    if (!decision.allowed()) {
      throw new ErrnoException(Errno.EACCES, "name lookup denied by policy");
    }
  }

  /**
   * Waits until {@code channel} is ready for {@code interest}, or {@code timeoutNanos} pass
   * (negative: no limit); false on timeout.
   */
  boolean awaitReady(TransportChannel channel, int interest, long timeoutNanos) throws IOException {
    single.clear().add(channel, interest);
    try {
      return transport.await(single, timeoutNanos) > 0;
    } finally {
      single.clear();
    }
  }
}
