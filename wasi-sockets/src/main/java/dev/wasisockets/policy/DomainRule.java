package dev.wasisockets.policy;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A domain and a range of ports: {@code example.com}, {@code *.github.com:443}. As in wasmnet, a
 * rule covers the domain and every subdomain of it, so {@code github.com} and {@code *.github.com}
 * mean the same, and neither covers {@code evilgithub.com}. Names are compared lower-cased and
 * without one trailing dot, so {@code GitHub.com.} cannot slip past either.
 *
 * <p>A domain rule grants a name; the addresses the name resolves to must still pass the address
 * deny rules.
 */
public final class DomainRule implements Rule {
  private static final Pattern DOMAIN =
      Pattern.compile(
          "(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\\.)*[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?");

  private final String text;
  private final String domain;
  private final PortRange ports;

  private DomainRule(String text, String domain, PortRange ports) {
    this.text = text;
    this.domain = domain;
    this.ports = ports;
  }

  /** The domain rule {@code host} and {@code ports} spell, or null if host is not a domain. */
  static DomainRule of(String text, String host, PortRange ports) {
    String domain = normalize(host.startsWith("*.") ? host.substring(2) : host);
    // A name whose last label is a number is an address in disguise (or a typo), never a domain.
    String last = domain.substring(domain.lastIndexOf('.') + 1);
    boolean numeric = !last.isEmpty() && last.chars().allMatch(Character::isDigit);
    return DOMAIN.matcher(domain).matches() && !numeric
        ? new DomainRule(text, domain, ports)
        : null;
  }

  /** A name as rules compare it: lower case, without one trailing dot. */
  static String normalize(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
  }

  @Override
  public boolean matchesName(String name, int port) {
    return name != null && ports.contains(port) && matchesNameOnAnyPort(name);
  }

  /** Whether the rule covers {@code name} at all (lookups have no port). */
  boolean matchesNameOnAnyPort(String name) {
    String candidate = normalize(name);
    return candidate.equals(domain) || candidate.endsWith("." + domain);
  }

  @Override
  public boolean matchesAddress(byte[] address, int port) {
    return false;
  }

  @Override
  public String toString() {
    return text;
  }
}
