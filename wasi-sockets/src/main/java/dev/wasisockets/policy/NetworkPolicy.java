package dev.wasisockets.policy;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Decides every network use of a guest. Deny by default, as wasmtime: a guest reaches only what the
 * embedder granted, per use ({@link NetworkUse}) and per address ({@link AddressRule}).
 *
 * <p>Immutable and thread-safe; one policy may serve many guest instances.
 */
public final class NetworkPolicy {
  private static final Logger LOG = System.getLogger(NetworkPolicy.class.getName());
  private static final NetworkPolicy DENY_ALL =
      new NetworkPolicy(new EnumMap<>(NetworkUse.class), false);

  private final Map<NetworkUse, List<AddressRule>> allowed;
  private final boolean lookupAllowed;

  private NetworkPolicy(Map<NetworkUse, List<AddressRule>> allowed, boolean lookupAllowed) {
    this.allowed = allowed;
    this.lookupAllowed = lookupAllowed;
  }

  /** The default: nothing is allowed. */
  public static NetworkPolicy denyAll() {
    return DENY_ALL;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Whether {@code use} of {@code address} is allowed. A denial is logged (WARNING, logger {@code
   * dev.wasisockets.policy.NetworkPolicy}) with the use, the address and the rule that decided.
   */
  public Decision decide(NetworkUse use, InetSocketAddress address) {
    for (AddressRule rule : allowed.getOrDefault(use, List.of())) {
      if (rule.matches(address)) {
        return Decision.allowedBy(rule);
      }
    }
    Decision denial = Decision.deniedByDefault();
    LOG.log(
        Level.WARNING,
        "denied {0} to {1} (rule: {2}; no {3} grant matches)",
        use.description(),
        IpLiteral.format(address),
        denial.rule(),
        use.grantFlag());
    return denial;
  }

  /**
   * Whether the guest may look {@code name} up. A lookup only yields addresses: each use of one is
   * still decided by {@link #decide}. A denial is logged as {@link #decide} logs one.
   */
  public Decision decideLookup(String name) {
    if (lookupAllowed) {
      return new Decision(true, "--allow-lookup");
    }
    Decision denial = Decision.deniedByDefault();
    LOG.log(
        Level.WARNING,
        "denied name lookup of {0} (rule: {1}; no --allow-lookup grant)",
        name,
        denial.rule());
    return denial;
  }

  /** The rules that allow {@code use}, in the order they were granted. */
  public List<AddressRule> allowRules(NetworkUse use) {
    return allowed.getOrDefault(use, List.of());
  }

  /** Collects grants; {@link #build} yields an immutable policy. */
  public static final class Builder {
    private final Map<NetworkUse, List<AddressRule>> allowed = new EnumMap<>(NetworkUse.class);
    private boolean lookupAllowed;

    private Builder() {}

    /** Allows the guest to look names up (the addresses it gets are still checked per use). */
    public Builder allowLookup() {
      lookupAllowed = true;
      return this;
    }

    /** Allows {@code use} for addresses that {@code rule} matches. */
    public Builder allow(NetworkUse use, AddressRule rule) {
      allowed.computeIfAbsent(use, u -> new ArrayList<>()).add(rule);
      return this;
    }

    /** Allows {@code use} for the rule {@code rule} as {@link AddressRule#parse} reads it. */
    public Builder allow(NetworkUse use, String rule) {
      return allow(use, AddressRule.parse(rule));
    }

    public NetworkPolicy build() {
      Map<NetworkUse, List<AddressRule>> copy = new EnumMap<>(NetworkUse.class);
      allowed.forEach((use, rules) -> copy.put(use, List.copyOf(rules)));
      return new NetworkPolicy(copy, lookupAllowed);
    }
  }
}
