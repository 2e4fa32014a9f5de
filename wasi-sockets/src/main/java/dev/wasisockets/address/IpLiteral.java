package dev.wasisockets.address;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * Parses IP address literals without ever asking a resolver. {@link InetAddress#getByName} would
 * look up anything that is not a literal, and it accepts shortened IPv4 forms such as {@code
 * 127.1}; a policy must mean exactly what it says, so IPv4 here is strictly four decimal octets.
 */
public final class IpLiteral {
  // Four decimal octets, none with a leading zero: "012" is 10 to inet_aton and 12 to others, and a
  // spelling that means two things must not be read as either here.
  private static final Pattern IPV4 = Pattern.compile("(0|[1-9]\\d{0,2})(\\.(0|[1-9]\\d{0,2})){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");

  private IpLiteral() {}

  /**
   * The address {@code text} spells, or null if it is not an IP literal. An IPv4-mapped IPv6
   * literal ({@code ::ffff:10.0.0.1}) comes back as the IPv4 address it carries.
   */
  public static InetAddress parse(String text) {
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

  /**
   * The address a host name means when it is a number in disguise, as {@code inet_aton} (and so
   * many HTTP clients and resolvers) reads it: one to four dot-separated parts, each decimal, octal
   * ({@code 0177}) or hex ({@code 0x7f}), the last filling the remaining bytes; so {@code 127.1},
   * {@code 2130706433}, {@code 0x7f000001} and {@code 0177.0.0.1} are all 127.0.0.1. Plain IPv4 and
   * IPv6 literals too. Null for a name that is not a number.
   */
  public static InetAddress parseLenient(String text) {
    InetAddress strict = parse(text);
    if (strict != null || text.isEmpty() || text.indexOf(':') >= 0) {
      return strict;
    }
    String[] parts = text.split("\\.", -1);
    if (parts.length > 4) {
      return null;
    }
    long[] values = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      values[i] = number(parts[i]);
      if (values[i] < 0) {
        return null;
      }
    }
    long address = 0;
    for (int i = 0; i < parts.length - 1; i++) {
      if (values[i] > 0xFF) {
        return null;
      }
      address |= values[i] << (24 - 8 * i);
    }
    long last = values[parts.length - 1];
    long lastLimit = (1L << (8 * (5 - parts.length))) - 1;
    if (last > lastLimit) {
      return null;
    }
    address |= last;
    return byAddress(
        new byte[] {
          (byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address
        });
  }

  /** One inet_aton part: decimal, 0-prefixed octal or 0x-prefixed hex; -1 if it is none. */
  private static long number(String part) {
    try {
      if (part.startsWith("0x") || part.startsWith("0X")) {
        return part.length() > 2 && part.length() <= 10
            ? Long.parseLong(part.substring(2), 16)
            : -1;
      }
      if (part.length() > 1 && part.startsWith("0")) {
        return part.length() <= 12 ? Long.parseLong(part.substring(1), 8) : -1;
      }
      return !part.isEmpty() && part.length() <= 10 && part.chars().allMatch(Character::isDigit)
          ? Long.parseLong(part)
          : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * {@code address} as people write it: dotted IPv4, or IPv6 in the RFC 5952 short form ({@code
   * ::1}, not the JDK's {@code 0:0:0:0:0:0:0:1}).
   */
  public static String format(InetAddress address) {
    byte[] bytes = address.getAddress();
    if (bytes.length == 4) {
      return address.getHostAddress();
    }
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = (bytes[2 * i] & 0xFF) << 8 | (bytes[2 * i + 1] & 0xFF);
    }
    // The longest run of two or more zero groups (the first, on a tie) becomes "::".
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < 8; ) {
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
      i = j == i ? i + 1 : j;
    }
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        text.append("::");
        i += bestLength - 1;
        continue;
      }
      if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
        text.append(':');
      }
      text.append(Integer.toHexString(groups[i]));
    }
    return text.toString();
  }

  /**
   * Parses {@code ADDRESS:PORT} ({@code [IPv6]:PORT} for IPv6), as {@code --tcplisten} takes it.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static InetSocketAddress parseSocketAddress(String text) {
    int colon = text.lastIndexOf(':');
    String host = colon < 0 ? text : text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      host = null; // an IPv6 address with a port needs brackets
    }
    InetAddress address = host == null || colon < 0 ? null : parse(host);
    int port = -1;
    try {
      port = colon < 0 ? -1 : Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      // reported below
    }
    if (address == null || port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "'" + text + "' is not ADDRESS:PORT (an IP address, IPv6 in brackets, and a port)");
    }
    return new InetSocketAddress(address, port);
  }

  /** {@code address:port}, with an IPv6 address in brackets. */
  public static String format(InetSocketAddress address) {
    String host = format(address.getAddress());
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
  }

  private static InetAddress byAddress(byte[] bytes) {
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new AssertionError("4 bytes are always an address", e);
    }
  }
}
