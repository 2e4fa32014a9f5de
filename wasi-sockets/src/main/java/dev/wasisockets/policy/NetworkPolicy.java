package dev.wasisockets.policy;

import dev.wasisockets.address.IpLiteral;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Decides every network use of a guest, on addresses. Deny by default, as wasmtime: a guest reaches
 * only what the embedder allowed, per use ({@link NetworkUse}); a deny rule wins over any allow
 * rule.
 *
 * <p>Rules ({@link Rule}) are address rules (IPs, CIDR blocks, {@link AddressClass}es, {@code *})
 * and domain rules. A domain rule grants a name: the addresses the name resolves to are allowed for
 * it, but must still pass the address deny rules, so {@code localhost} allowed by name is still
 * denied by {@code deny = ["loopback"]}. A connect to the unspecified address (0.0.0.0, ::) reaches
 * the local host, so it is judged as loopback.
 *
 * <p>Immutable and thread-safe; one policy may serve many guest instances.
 */
public final class NetworkPolicy {
  private static final Logger LOG = System.getLogger(NetworkPolicy.class.getName());
  private static final byte[] LOOPBACK_V4 = {127, 0, 0, 1};
  private static final byte[] LOOPBACK_V6 = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

  private final Map<NetworkUse, List<Rule>> allow;
  private final Map<NetworkUse, List<Rule>> deny;
  private final Limits limits;
  // Every guest under this policy shares it: a guest that floods denials cannot flood the log.
  private final RateLimitedLog denials;

  private NetworkPolicy(
      Map<NetworkUse, List<Rule>> allow,
      Map<NetworkUse, List<Rule>> deny,
      Limits limits,
      RateLimitedLog denials) {
    this.allow = allow;
    this.deny = deny;
    this.limits = limits;
    this.denials = denials;
  }

  /** How much of the network a guest under this policy may use. */
  public Limits limits() {
    return limits;
  }

  /** The same rules under other limits (e.g. a launcher flag over a policy file's). */
  public NetworkPolicy withLimits(Limits limits) {
    return new NetworkPolicy(allow, deny, limits, denials);
  }

  /**
   * The default for embedded and {@code run} guests: nothing is allowed. A new policy each time, so
   * that guests that did not share a policy do not share a denial log's budget either.
   */
  public static NetworkPolicy denyAll() {
    return builder().build();
  }

  /**
   * The default of the {@code serve} gateway: wasmnet's (public addresses allowed, private,
   * loopback and link-local denied, binding on ports 3000-9999, any lookup), with every other class
   * that reaches inward denied as well: the unspecified address, 0.0.0.0/8, CGNAT, unique-local,
   * multicast and broadcast.
   */
  public static NetworkPolicy gatewayDefault() {
    Builder builder =
        builder()
            .allowLookup()
            .allow(NetworkUse.BIND, "*:3000-9999")
            .limits(Limits.wasmnetDefault());
    for (NetworkUse use : List.of(NetworkUse.TCP_CONNECT, NetworkUse.UDP_SEND)) {
      builder.allow(use, "*");
      for (AddressClass inward : AddressClass.values()) {
        builder.deny(use, inward.ruleName());
      }
    }
    return builder.build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Whether {@code use} of {@code address} is allowed, when the guest got the address by looking up
   * {@code name} (null if it did not). A denial is logged (WARNING, logger {@code
   * dev.wasisockets.policy.NetworkPolicy}) with the use, the address, the name and the rule: at
   * most {@link RateLimitedLog#LINES_PER_SECOND} lines a second per policy, then a count of those
   * left out.
   */
  public Decision decide(NetworkUse use, InetSocketAddress address, String name) {
    InetAddress actual = address.getAddress();
    int port = address.getPort();
    byte[] actualBytes = actual.getAddress();
    // What a connect or a send really reaches, beside the address itself: the local host for the
    // unspecified address, and the IPv4 address an IPv6 address carries (NAT64, 6to4, ...). Deny
    // rules see all of it; allow rules see the address as written (the unspecified one as
    // loopback), so a grant of 10.0.0.1 is not a grant of 64:ff9b::a00:1. A bind sends nothing
    // anywhere: its address is only its own (a host's 6to4 address carries its own IPv4 address).
    boolean destination = use != NetworkUse.BIND;
    byte[] judgedBytes =
        destination && actual.isAnyLocalAddress() ? loopbackLike(actualBytes) : actualBytes;
    byte[][] carried = destination ? EmbeddedIpv4.of(actualBytes) : EmbeddedIpv4.NONE;
    Decision decision = Decision.DEFAULT_DENY;
    Rule denying = firstCovering(deny.get(use), actualBytes, judgedBytes, carried, name, port);
    if (denying != null) {
      decision = Decision.deniedBy(denying);
    } else {
      Rule allowing =
          firstCovering(allow.get(use), judgedBytes, judgedBytes, EmbeddedIpv4.NONE, name, port);
      if (allowing != null) {
        return Decision.allowedBy(allowing);
      }
    }
    denials.log(
        Level.WARNING,
        "denied {0} to {1}{2}{3}{4} (rule: {5}{6})",
        use.description(),
        IpLiteral.format(address),
        name == null ? "" : " (" + LogText.of(name) + ")",
        judgedBytes == actualBytes ? "" : ", judged as loopback",
        carried.length == 0 ? "" : ", which carries " + describe(carried),
        decision.rule(),
        decision == Decision.DEFAULT_DENY ? "; no " + use.grantFlag() + " grant matches" : "");
    return decision;
  }

  /** {@link #decide(NetworkUse, InetSocketAddress, String)} for an address not got by name. */
  public Decision decide(NetworkUse use, InetSocketAddress address) {
    return decide(use, address, null);
  }

  /** Whether the guest may look {@code name} up. A denial is logged as {@link #decide} does. */
  public Decision decideLookup(String name) {
    Decision decision = Decision.DEFAULT_DENY;
    Rule denying = firstName(deny.get(NetworkUse.LOOKUP), name);
    if (denying != null) {
      decision = Decision.deniedBy(denying);
    } else {
      Rule allowing = firstName(allow.get(NetworkUse.LOOKUP), name);
      if (allowing != null) {
        return Decision.allowedBy(allowing);
      }
    }
    denials.log(
        Level.WARNING,
        "denied name lookup of {0} (rule: {1}{2})",
        LogText.of(name),
        decision.rule(),
        decision == Decision.DEFAULT_DENY ? "; no --allow-lookup grant matches" : "");
    return decision;
  }

  /**
   * Decides {@code use} of a host as a client spelled it, the way a connect by name must go: an IP
   * literal in any spelling ({@code 127.1}, {@code 0x7f000001}, {@code 2130706433}) is the address
   * it means; a name denied by a domain rule is refused without a lookup; otherwise the name is
   * resolved once, every address is decided, and the first allowed one is the answer. The caller
   * connects to that address and resolves nothing again, so a DNS answer that changes between check
   * and use cannot matter.
   */
  public Resolution resolve(NetworkUse use, String host, int port, HostResolver resolver)
      throws IOException {
    InetAddress literal = IpLiteral.parseLenient(host);
    if (literal != null) {
      InetSocketAddress address = new InetSocketAddress(literal, port);
      Decision decision = decide(use, address, null);
      return new Resolution(decision.allowed() ? address : null, decision);
    }
    Rule denying = firstName(deny.get(use), host, port);
    if (denying != null) {
      Decision decision = Decision.deniedBy(denying);
      denials.log(
          Level.WARNING,
          "denied {0} to {1}:{2} (rule: {3})",
          use.description(),
          LogText.of(host),
          port,
          decision.rule());
      return new Resolution(null, decision);
    }
    List<InetAddress> addresses = resolver.resolve(host);
    if (addresses.isEmpty()) {
      throw new UnknownHostException(host);
    }
    Decision firstDenial = null;
    for (InetAddress candidate : addresses) {
      InetSocketAddress address = new InetSocketAddress(candidate, port);
      Decision decision = decide(use, address, host);
      if (decision.allowed()) {
        return new Resolution(address, decision);
      }
      if (firstDenial == null) {
        firstDenial = decision;
      }
    }
    return new Resolution(null, firstDenial);
  }

  /** The rules that allow {@code use}, in the order they were granted. */
  public List<Rule> allowRules(NetworkUse use) {
    return allow.get(use);
  }

  /** The rules that deny {@code use}, in order. */
  public List<Rule> denyRules(NetworkUse use) {
    return deny.get(use);
  }

  /**
   * The first rule that covers {@code actual}, {@code judged} (the same array when the address is
   * judged as itself), one of the {@code carried} IPv4 addresses (0.0.0.0 also as 127.0.0.1), or
   * {@code name}.
   */
  private static Rule firstCovering(
      List<Rule> rules, byte[] actual, byte[] judged, byte[][] carried, String name, int port) {
    for (Rule rule : rules) {
      if (rule.matchesAddress(actual, port)
          || (judged != actual && rule.matchesAddress(judged, port))
          || matchesCarried(rule, carried, port)
          || rule.matchesName(name, port)) {
        return rule;
      }
    }
    return null;
  }

  private static boolean matchesCarried(Rule rule, byte[][] carried, int port) {
    for (byte[] ipv4 : carried) {
      if (rule.matchesAddress(ipv4, port)
          || (AddressClass.UNSPECIFIED.contains(ipv4) && rule.matchesAddress(LOOPBACK_V4, port))) {
        return true;
      }
    }
    return false;
  }

  private static String describe(byte[][] carried) {
    StringBuilder text = new StringBuilder();
    for (byte[] ipv4 : carried) {
      text.append(text.length() == 0 ? "" : " and ")
          .append(ipv4[0] & 0xFF)
          .append('.')
          .append(ipv4[1] & 0xFF)
          .append('.')
          .append(ipv4[2] & 0xFF)
          .append('.')
          .append(ipv4[3] & 0xFF);
    }
    return text.toString();
  }

  private static Rule firstName(List<Rule> rules, String name, int port) {
    for (Rule rule : rules) {
      if (rule.matchesName(name, port)) {
        return rule;
      }
    }
    return null;
  }

  /** For lookups: a domain rule, or {@code *}, covers the name; ports do not matter. */
  private static Rule firstName(List<Rule> rules, String name) {
    for (Rule rule : rules) {
      if (rule instanceof AddressRule any && any.isAny()) {
        return any;
      }
      if (rule instanceof DomainRule domain && domain.matchesNameOnAnyPort(name)) {
        return domain;
      }
    }
    return null;
  }

  /** The loopback address of the unspecified address's family. */
  private static byte[] loopbackLike(byte[] unspecified) {
    return unspecified.length == 4 ? LOOPBACK_V4 : LOOPBACK_V6;
  }

  /** Collects rules; {@link #build} yields an immutable policy. */
  public static final class Builder {
    private final Map<NetworkUse, List<Rule>> allow = new EnumMap<>(NetworkUse.class);
    private final Map<NetworkUse, List<Rule>> deny = new EnumMap<>(NetworkUse.class);
    private Limits limits = Limits.NONE;
    private LongSupplier nanoClock = System::nanoTime;

    private Builder() {
      for (NetworkUse use : NetworkUse.values()) {
        allow.put(use, new ArrayList<>());
        deny.put(use, new ArrayList<>());
      }
    }

    /** Allows {@code use} for what {@code rule} covers. */
    public Builder allow(NetworkUse use, Rule rule) {
      allow.get(use).add(rule);
      return this;
    }

    /** Allows {@code use} for the rule {@code rule} as {@link Rule#parse} reads it. */
    public Builder allow(NetworkUse use, String rule) {
      return allow(use, Rule.parse(rule));
    }

    /** Denies {@code use} for what {@code rule} covers, whatever any allow rule says. */
    public Builder deny(NetworkUse use, Rule rule) {
      deny.get(use).add(rule);
      return this;
    }

    /** Denies {@code use} for the rule {@code rule} as {@link Rule#parse} reads it. */
    public Builder deny(NetworkUse use, String rule) {
      return deny(use, Rule.parse(rule));
    }

    /**
     * Allows every use of every address and name, as if the guest ran natively (wasmtime's {@code
     * inherit_network}); deny rules still apply.
     */
    public Builder allowAll() {
      for (NetworkUse use : NetworkUse.values()) {
        allow(use, "*");
      }
      return this;
    }

    /** Allows the guest to look any name up (the addresses it gets are still checked per use). */
    public Builder allowLookup() {
      return allow(NetworkUse.LOOKUP, "*");
    }

    /** How much of the network the guest may use. Default: {@link Limits#NONE}. */
    public Builder limits(Limits limits) {
      this.limits = limits;
      return this;
    }

    /** The clock the denial log's budget is measured by (tests bring their own). */
    Builder nanoClock(LongSupplier nanoClock) {
      this.nanoClock = nanoClock;
      return this;
    }

    public NetworkPolicy build() {
      Map<NetworkUse, List<Rule>> allowCopy = new EnumMap<>(NetworkUse.class);
      Map<NetworkUse, List<Rule>> denyCopy = new EnumMap<>(NetworkUse.class);
      allow.forEach((use, rules) -> allowCopy.put(use, List.copyOf(rules)));
      deny.forEach((use, rules) -> denyCopy.put(use, List.copyOf(rules)));
      return new NetworkPolicy(
          allowCopy, denyCopy, limits, new RateLimitedLog(LOG, "denials", nanoClock));
    }
  }
}
