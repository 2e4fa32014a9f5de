package dev.wasisockets.policy;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * A block of addresses and a range of ports, as written in a grant: {@code *}, {@code
 * 127.0.0.1:8080}, {@code 10.0.0.0/8:8000-8999}, {@code ::1}, {@code [2001:db8::]/32:443}.
 *
 * <p>Rules match addresses, never names: the core decides on the address a socket will really use.
 * IPv4-mapped IPv6 addresses ({@code ::ffff:a.b.c.d}) are the IPv4 address they carry, on both
 * sides of the match, so an IPv6 spelling cannot slip past an IPv4 rule.
 */
public final class AddressRule {
  private final String text;
  private final byte[] network; // null: any address
  private final int prefixLength;
  private final PortRange ports;

  private AddressRule(String text, byte[] network, int prefixLength, PortRange ports) {
    this.text = text;
    this.network = network;
    this.prefixLength = prefixLength;
    this.ports = ports;
  }

  /**
   * Parses {@code ADDRESS[/PREFIX][:PORT[-PORT]]}, where ADDRESS is an IPv4 literal, an IPv6
   * literal (in brackets when a port follows) or {@code *}. Without a port, every port matches.
   *
   * @throws IllegalArgumentException naming what is wrong with {@code text}
   */
  public static AddressRule parse(String text) {
    String rest = text.strip();
    String hostPart;
    String portPart = null;
    if (rest.startsWith("[")) {
      int close = rest.indexOf(']');
      if (close < 0) {
        throw invalid(text, "missing ']'");
      }
      hostPart = rest.substring(1, close);
      String after = rest.substring(close + 1);
      int colon = after.indexOf(':');
      if (colon >= 0) {
        portPart = after.substring(colon + 1);
        after = after.substring(0, colon);
      }
      hostPart += after; // a "/PREFIX" written after the brackets
    } else if (rest.indexOf(':') != rest.lastIndexOf(':')) {
      hostPart = rest; // bare IPv6, no port
    } else {
      int colon = rest.indexOf(':');
      hostPart = colon < 0 ? rest : rest.substring(0, colon);
      portPart = colon < 0 ? null : rest.substring(colon + 1);
    }
    PortRange ports;
    try {
      ports = portPart == null ? PortRange.ALL : PortRange.parse(portPart);
    } catch (IllegalArgumentException e) {
      throw invalid(text, e.getMessage());
    }
    if (hostPart.equals("*")) {
      return new AddressRule(text, null, 0, ports);
    }
    int slash = hostPart.indexOf('/');
    String addressText = slash < 0 ? hostPart : hostPart.substring(0, slash);
    InetAddress address = IpLiteral.parse(addressText);
    if (address == null) {
      throw invalid(
          text, "'" + addressText + "' is not an IP address; grants name addresses, not hosts");
    }
    byte[] network = address.getAddress();
    // An IPv4-mapped literal (::ffff:a.b.c.d) parses as IPv4, but its prefix counts IPv6 bits.
    boolean mapped = network.length == 4 && addressText.indexOf(':') >= 0;
    int maxPrefix = mapped ? 128 : network.length * 8;
    int prefix = maxPrefix;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(hostPart.substring(slash + 1));
      } catch (NumberFormatException e) {
        prefix = -1;
      }
      if (prefix < (mapped ? 96 : 0) || prefix > maxPrefix) {
        throw invalid(text, "the prefix length must be " + (mapped ? 96 : 0) + " to " + maxPrefix);
      }
    }
    if (mapped) {
      prefix -= 96;
    }
    return new AddressRule(text, mask(network, prefix), prefix, ports);
  }

  /** A rule that matches exactly {@code address}. */
  public static AddressRule of(InetSocketAddress address) {
    byte[] bytes = address.getAddress().getAddress();
    PortRange port = new PortRange(address.getPort(), address.getPort());
    return new AddressRule(IpLiteral.format(address), bytes, bytes.length * 8, port);
  }

  /** Whether {@code address} falls in this rule's block and port range. */
  public boolean matches(InetSocketAddress address) {
    if (!ports.contains(address.getPort())) {
      return false;
    }
    if (network == null) {
      return true;
    }
    byte[] candidate = address.getAddress().getAddress();
    return candidate.length == network.length
        && java.util.Arrays.equals(mask(candidate, prefixLength), network);
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

  private static IllegalArgumentException invalid(String text, String why) {
    return new IllegalArgumentException(
        "'"
            + text
            + "' is not an address rule ("
            + why
            + "); expected IP[/PREFIX][:PORT[-PORT]], [IPv6][/PREFIX][:PORT[-PORT]] or *");
  }
}
