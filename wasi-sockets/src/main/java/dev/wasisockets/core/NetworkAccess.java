package dev.wasisockets.core;

import dev.wasisockets.policy.Decision;
import dev.wasisockets.policy.IpLiteral;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.transport.ReadinessSet;
import dev.wasisockets.transport.Transport;
import dev.wasisockets.transport.TransportChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A guest's way out: the transport its sockets use and the policy every address passes first.
 * Sockets hold one and go through it for every use of an address, so no code path can reach the
 * transport with an address the policy has not seen.
 */
public final class NetworkAccess {
  private static final int REMEMBERED_NAMES = 4096;

  private final Transport transport;
  private final NetworkPolicy policy;
  private final ReadinessSet single = new ReadinessSet();
  // The name each address came from in the guest's lookups, so that a domain rule that allowed
  // the name also allows connecting to its addresses (the most recent names win).
  private final Map<InetAddress, String> namesOfAddresses =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, String> eldest) {
          return size() > REMEMBERED_NAMES;
        }
      };

  public NetworkAccess(Transport transport, NetworkPolicy policy) {
    this.transport = transport;
    this.policy = policy;
  }

  public Transport transport() {
    return transport;
  }

  /**
   * EACCES unless the policy allows {@code use} of {@code address}, judged with the name the guest
   * looked it up by, if it did (the policy logs denials).
   */
  public void check(NetworkUse use, InetSocketAddress address) {
    Decision decision = policy.decide(use, address, namesOfAddresses.get(address.getAddress()));
    if (!decision.allowed()) {
      throw new ErrnoException(Errno.EACCES, "denied by policy (" + decision.rule() + ")");
    }
  }

  /**
   * Looks {@code host} up for the guest: an IP literal in any spelling ({@code 127.1}, {@code
   * 2130706433}) is its own answer; a name needs the policy's lookup grant (EACCES otherwise) and
   * is resolved once, its addresses remembered with it for later decisions.
   */
  public List<InetAddress> lookup(String host) {
    InetAddress literal = IpLiteral.parseLenient(host);
    if (literal != null) {
      return List.of(literal);
    }
    Decision decision = policy.decideLookup(host);
    if (!decision.allowed()) {
      throw new ErrnoException(Errno.EACCES, "name lookup denied by policy");
    }
    List<InetAddress> addresses;
    try {
      addresses = transport.resolve(host);
    } catch (UnknownHostException e) {
      throw new ErrnoException(Errno.ENOENT, "no address for " + host);
    } catch (IOException e) {
      throw ErrnoException.of(e);
    }
    for (InetAddress address : addresses) {
      namesOfAddresses.put(address, host);
    }
    return addresses;
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
