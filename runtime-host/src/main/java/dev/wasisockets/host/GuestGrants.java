package dev.wasisockets.host;

import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.policy.Rule;
import java.util.List;

/**
 * One guest's grants and denials, as {@code run}'s flags and an {@code up} file's guest keys give
 * them: the same rules mean the same thing in both.
 */
record GuestGrants(
    List<Rule> connect,
    List<Rule> bind,
    List<Rule> udp,
    boolean lookup,
    boolean everything,
    List<Rule> deny) {

  GuestGrants {
    connect = List.copyOf(connect);
    bind = List.copyOf(bind);
    udp = List.copyOf(udp);
    deny = List.copyOf(deny);
  }

  /** {@code base} with these grants added, then these denials over every use. */
  NetworkPolicy.Builder addTo(NetworkPolicy.Builder base) {
    connect.forEach(rule -> base.allow(NetworkUse.TCP_CONNECT, rule));
    bind.forEach(rule -> base.allow(NetworkUse.BIND, rule));
    udp.forEach(rule -> base.allow(NetworkUse.UDP_SEND, rule));
    if (lookup) {
      base.allowLookup();
    }
    if (everything) {
      base.allowAll();
    }
    for (Rule rule : deny) {
      for (NetworkUse use : NetworkUse.values()) {
        base.deny(use, rule);
      }
    }
    return base;
  }
}
