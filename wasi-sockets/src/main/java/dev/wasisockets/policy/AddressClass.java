package dev.wasisockets.policy;

import java.net.InetAddress;
import java.util.Locale;

/**
 * Named kinds of address that rules can use in place of CIDR blocks ({@code deny = ["private",
 * "loopback"]}). Matched on the address after IPv4-mapped IPv6 has become IPv4.
 */
public enum AddressClass {
  /** 0.0.0.0 and ::, which reach the local host when connected to. */
  UNSPECIFIED("unspecified"),
  /** 0.0.0.0/8 ("this network"; Linux routes it to the local host too). */
  THIS_NETWORK("this-network"),
  /** 127.0.0.0/8 and ::1. */
  LOOPBACK("loopback"),
  /** 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (RFC 1918). */
  PRIVATE("private"),
  /** 169.254.0.0/16 (cloud metadata lives here) and fe80::/10. */
  LINK_LOCAL("link-local"),
  /** 100.64.0.0/10, carrier-grade NAT (RFC 6598). */
  CGNAT("cgnat"),
  /** fc00::/7 (RFC 4193), IPv6's private range. */
  UNIQUE_LOCAL("unique-local"),
  /** 224.0.0.0/4 and ff00::/8. */
  MULTICAST("multicast"),
  /** 255.255.255.255. */
  BROADCAST("broadcast");

  private final String ruleName;

  AddressClass(String ruleName) {
    this.ruleName = ruleName;
  }

  /** How rules spell the class, e.g. "link-local". */
  public String ruleName() {
    return ruleName;
  }

  /** The class a rule names, or null. */
  static AddressClass named(String text) {
    String wanted = text.toLowerCase(Locale.ROOT);
    for (AddressClass kind : values()) {
      if (kind.ruleName.equals(wanted)) {
        return kind;
      }
    }
    return null;
  }

  /** Whether {@code address} is of this class. */
  public boolean contains(InetAddress address) {
    return contains(address.getAddress());
  }

  /** Whether the address of these 4 or 16 bytes is of this class. */
  boolean contains(byte[] b) {
    boolean v4 = b.length == 4;
    int first = b[0] & 0xFF;
    int second = b[1] & 0xFF;
    return switch (this) {
      case UNSPECIFIED -> allZero(b, b.length);
      case THIS_NETWORK -> v4 && first == 0;
      case LOOPBACK -> v4 ? first == 127 : allZero(b, 15) && b[15] == 1;
      case PRIVATE ->
          v4
              && (first == 10
                  || (first == 172 && (second & 0xF0) == 16)
                  || (first == 192 && second == 168));
      case LINK_LOCAL ->
          v4 ? first == 169 && second == 254 : first == 0xFE && (second & 0xC0) == 0x80;
      case CGNAT -> v4 && first == 100 && (second & 0xC0) == 64;
      case UNIQUE_LOCAL -> !v4 && (first & 0xFE) == 0xFC;
      case MULTICAST -> v4 ? (first & 0xF0) == 0xE0 : first == 0xFF;
      case BROADCAST -> v4 && (first & second & b[2] & b[3] & 0xFF) == 0xFF;
    };
  }

  private static boolean allZero(byte[] bytes, int count) {
    for (int i = 0; i < count; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return true;
  }
}
