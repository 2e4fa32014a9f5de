package dev.wasisockets.host;

import dev.wasisockets.policy.Limits;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.Rule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * The policy flags only {@code run} has: grants and denials for its one guest, and the limits that
 * {@code serve} takes from its policy file only. They add to {@link PolicyOptions}' policy.
 */
final class RunPolicyOptions {
  @Spec(Spec.Target.MIXEE)
  private CommandSpec command;

  @Option(
      names = "--allow-connect",
      paramLabel = "RULE",
      converter = RuleConverter.class,
      description = {
        "Allow TCP connections to what RULE covers: an IP address or CIDR block (IPv6 in",
        "brackets when a port follows), an address class (private, loopback, link-local, ...),",
        "a domain (*.example.com: the addresses the guest looked it up to), or *; then",
        "optionally :PORT or :PORT-PORT. Repeatable. E.g. 127.0.0.1:8080, 10.0.0.0/8:8000-8999"
      })
  private List<Rule> allowConnect = new ArrayList<>();

  @Option(
      names = "--allow-bind",
      paramLabel = "RULE",
      converter = RuleConverter.class,
      description = {
        "Allow binding local addresses (to listen, or to receive UDP) that RULE covers.",
        "Repeatable. E.g. 127.0.0.1:8000-8999"
      })
  private List<Rule> allowBind = new ArrayList<>();

  @Option(
      names = "--allow-udp",
      paramLabel = "RULE",
      converter = RuleConverter.class,
      description = "Allow sending UDP datagrams to what RULE covers. Repeatable.")
  private List<Rule> allowUdp = new ArrayList<>();

  @Option(
      names = "--allow-lookup",
      description = {
        "Allow the guest to look names up (sock_getaddrinfo). Each address it gets is still",
        "checked against the grants when it is used."
      })
  private boolean allowLookup;

  @Option(
      names = "--inherit-network",
      description = {
        "Grant everything: every connect, bind, UDP send and lookup, as if the guest ran",
        "natively. --deny rules still apply."
      })
  private boolean inheritNetwork;

  @Option(
      names = "--deny",
      paramLabel = "RULE",
      converter = RuleConverter.class,
      description = {
        "Deny what RULE covers for every use, whatever a grant allows. Repeatable.",
        "E.g. --allow-connect '*' --deny private --deny loopback --deny link-local"
      })
  private List<Rule> deny = new ArrayList<>();

  @Option(
      names = "--max-connections",
      paramLabel = "N",
      description = "At most N sockets open at once; one more is ENFILE. 0: no limit.")
  private Integer maxConnections;

  @Option(
      names = "--connect-timeout-secs",
      paramLabel = "N",
      description = "A blocking connect gives up with ETIMEDOUT after N seconds. 0: no limit.")
  private Long connectTimeoutSecs;

  /** The guest's policy: {@code base}, these limit flags over its limits, these grants added. */
  NetworkPolicy policy(NetworkPolicy.Builder base) {
    if (maxConnections != null || connectTimeoutSecs != null) {
      base.limits(withLimitFlags(base.build().limits()));
    }
    return new GuestGrants(allowConnect, allowBind, allowUdp, allowLookup, inheritNetwork, deny)
        .addTo(base)
        .build();
  }

  private Limits withLimitFlags(Limits limits) {
    if (maxConnections != null) {
      limits = limits.withMaxConnections(nonNegative("--max-connections", maxConnections));
    }
    if (connectTimeoutSecs != null) {
      limits =
          limits.withConnectTimeout(
              Duration.ofSeconds(nonNegative("--connect-timeout-secs", connectTimeoutSecs)));
    }
    return limits;
  }

  private <N extends Number> N nonNegative(String flag, N value) {
    if (value.longValue() < 0) {
      throw new ParameterException(
          command.commandLine(), flag + " must be 0 or more, got " + value);
    }
    return value;
  }

  /** Reads grant values ({@link Rule#parse}); a bad one is a usage error naming it. */
  static final class RuleConverter implements ITypeConverter<Rule> {
    @Override
    public Rule convert(String value) {
      try {
        return Rule.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
