package dev.wasisockets.policy;

import dev.wasisockets.address.IpLiteral;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * A set of addresses and a range of ports: {@code *}, {@code 127.0.0.1:8080}, {@code
 * 10.0.0.0/8:8000-8999}, {@code ::1}, {@code [2001:db8::]/32:443}, or an {@link AddressClass} such
 * as {@code private} or {@code link-local:22}.
 *
 * <p>IPv4-mapped IPv6 addresses ({@code ::ffff:a.b.c.d}) are the IPv4 address they carry, on both
 * sides of the match, so an IPv6 spelling cannot slip past an IPv4 rule. IPv4 in a rule is four
 * decimal octets: a rule never means something other than it says.
 */
public final class AddressRule implements Rule {
  private final String text;
  private final byte[] network; // null with kind == null: any address
  private final int prefixLength;
  private final AddressClass kind;
  private final PortRange ports;

  private AddressRule(
      String text, byte[] network, int prefixLength, AddressClass kind, PortRange ports) {
    this.text = text;
    this.network = network;
    this.prefixLength = prefixLength;
    this.kind = kind;
    this.ports = ports;
  }

  /**
   * Parses an address rule (see the class comment).
   *
   * @throws IllegalArgumentException naming what is wrong with {@code text}, also for a domain
   */
  public static AddressRule parse(String text) {
    RuleText split = RuleText.split(text);
    AddressRule rule = of(text, split.host(), split.ports());
    if (rule == null) {
      throw RuleText.invalid(
          text, "'" + split.host() + "' is not an IP address; grants name addresses, not hosts");
    }
    return rule;
  }

  /** The address rule {@code host} and {@code ports} spell, or null if host is no address. */
  static AddressRule of(String text, String host, PortRange ports) {
    if (host.equals("*")) {
      return new AddressRule(text, null, 0, null, ports);
    }
    AddressClass kind = AddressClass.named(host);
    if (kind != null) {
      return new AddressRule(text, null, 0, kind, ports);
    }
    int slash = host.indexOf('/');
    String addressText = slash < 0 ? host : host.substring(0, slash);
    InetAddress address = IpLiteral.parse(addressText);
    if (address == null) {
      return null;
    }
    byte[] network = address.getAddress();
    // An IPv4-mapped literal (::ffff:a.b.c.d) parses as IPv4, but its prefix counts IPv6 bits.
    boolean mapped = network.length == 4 && addressText.indexOf(':') >= 0;
    int maxPrefix = mapped ? 128 : network.length * 8;
    int prefix = maxPrefix;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(host.substring(slash + 1));
      } catch (NumberFormatException e) {
        prefix = -1;
      }
      if (prefix < (mapped ? 96 : 0) || prefix > maxPrefix) {
        throw RuleText.invalid(
            text, "the prefix length must be " + (mapped ? 96 : 0) + " to " + maxPrefix);
      }
    }
    if (mapped) {
      prefix -= 96;
    }
    return new AddressRule(text, mask(network, prefix), prefix, null, ports);
  }

  /** A rule that matches exactly {@code address}. */
  public static AddressRule of(InetSocketAddress address) {
    byte[] bytes = address.getAddress().getAddress();
    PortRange port = new PortRange(address.getPort(), address.getPort());
    return new AddressRule(IpLiteral.format(address), bytes, bytes.length * 8, null, port);
  }

  /** Whether {@code address} falls in this rule's addresses and port range. */
  public boolean matches(InetSocketAddress address) {
    return matchesAddress(address.getAddress(), address.getPort());
  }

  @Override
  public boolean matchesAddress(byte[] candidate, int port) {
    if (!ports.contains(port)) {
      return false;
    }
    if (kind != null) {
      return kind.contains(candidate);
    }
    if (network == null) {
      return true;
    }
    if (candidate.length != network.length) {
      return false;
    }
    for (int i = 0; i < candidate.length; i++) {
      int bitsKept = Math.max(0, Math.min(8, prefixLength - i * 8));
      int mask = (0xFF << (8 - bitsKept)) & 0xFF;
      if ((candidate[i] & mask) != (network[i] & 0xFF)) {
        return false;
      }
    }
    return true;
  }

  /** Whether the rule is {@code *} (any address), whatever its ports. */
  public boolean isAny() {
    return network == null && kind == null;
  }

  @Override
  public boolean matchesName(String name, int port) {
    return false;
  }

  /** The rule as it was written. */
  @Override
  public String toString() {
    return text;
  }

  private static byte[] mask(byte[] address, int prefixLength) {
    byte[] masked = address.clone();
    for (int i = 0; i < masked.length; i++) {
      int bitsKept = Math.max(0, Math.min(8, prefixLength - i * 8));
      masked[i] &= (byte) (0xFF << (8 - bitsKept));
    }
    return masked;
  }
}
