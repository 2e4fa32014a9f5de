package dev.wasisockets.policy;

import java.net.InetAddress;

/**
 * One entry of an allow or deny list: an address rule ({@code *}, an IP, a CIDR block, an address
 * class) or a domain rule, each with an optional port or port range.
 */
public sealed interface Rule permits AddressRule, DomainRule {

  /**
   * Parses a rule as a policy file or a flag writes it.
   *
   * @throws IllegalArgumentException naming what is wrong with {@code text}
   */
  static Rule parse(String text) {
    RuleText split = RuleText.split(text);
    AddressRule address = AddressRule.of(text, split.host(), split.ports());
    if (address != null) {
      return address;
    }
    DomainRule domain = DomainRule.of(text, split.host(), split.ports());
    if (domain != null) {
      return domain;
    }
    throw RuleText.invalid(text, "'" + split.host() + "' is neither an address nor a domain");
  }

  /** Whether the rule covers {@code address} (already normalised) on {@code port}. */
  default boolean matchesAddress(InetAddress address, int port) {
    return matchesAddress(address.getAddress(), port);
  }

  /**
   * As {@link #matchesAddress(InetAddress, int)}, for the address's 4 or 16 bytes: a decision reads
   * them once and asks every rule.
   */
  boolean matchesAddress(byte[] address, int port);

  /** Whether the rule covers the name {@code name} on {@code port}; false for a null name. */
  boolean matchesName(String name, int port);
}
