package dev.wasisockets.policy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * Parses IP address literals without ever asking a resolver. {@link InetAddress#getByName} would
 * look up anything that is not a literal, and it accepts shortened IPv4 forms such as {@code 127.1};
 * a policy must mean exactly what it says, so IPv4 here is strictly four decimal octets.
 */
final class IpLiteral {
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");

  private IpLiteral() {}

  /**
   * The address {@code text} spells, or null if it is not an IP literal. An IPv4-mapped IPv6
   * literal ({@code ::ffff:10.0.0.1}) comes back as the IPv4 address it carries.
   */
  static InetAddress parse(String text) {
    if (IPV4.matcher(text).matches()) {
      String[] parts = text.split("\\.");
      byte[] bytes = new byte[4];
      for (int i = 0; i < 4; i++) {
        int octet = Integer.parseInt(parts[i]);
        if (octet > 255) {
          return null;
        }
        bytes[i] = (byte) octet;
      }
      return byAddress(bytes);
    }
    if (text.indexOf(':') >= 0 && IPV6.matcher(text).matches()) {
      try {
        // With a ':' and only hex digits, ':' and '.', the JDK parses a literal and never resolves.
        return InetAddress.getByName(text);
      } catch (UnknownHostException e) {
        return null;
      }
    }
    return null;
  }

  private static InetAddress byAddress(byte[] bytes) {
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new AssertionError("4 bytes are always an address", e);
    }
  }
}
