package dev.wasisockets.policy;

import java.net.InetAddress;
import java.util.Locale;

/**
 * Named kinds of address that rules can use in place of CIDR blocks ({@code deny = ["private",
 * "loopback"]}). Matched on the address after IPv4-mapped IPv6 has become IPv4; for a connect or a
 * send, also on the IPv4 address an IPv6 address carries ({@link EmbeddedIpv4}). Together they are
 * everything that is not a public unicast address (IANA's special-purpose registries, RFC 6890).
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
  BROADCAST("broadcast"),
  /** fec0::/10, IPv6's old site-local range (deprecated by RFC 3879, still routed inside sites). */
  SITE_LOCAL("site-local"),
  /**
   * 64:ff9b:1::/48, local-use NAT64 (RFC 8215): a translator of the operator's own, reaching
   * whatever it maps to. Where the IPv4 address sits depends on a prefix length only the operator
   * knows, so it is a class of its own rather than judged by the address it carries.
   */
  NAT64_LOCAL("nat64-local"),
  /** 198.18.0.0/15 (RFC 2544) and 2001:2::/48 (RFC 5180), for benchmarking networks. */
  BENCHMARKING("benchmarking"),
  /**
   * 240.0.0.0/4 (reserved for future use; some networks use it inside), and the IPv6 space the IANA
   * has not allocated: everything outside 2000::/3, fc00::/7, fe80::/10, fec0::/10 and ff00::/8,
   * except the forms of ::/8 that have a meaning (::, ::1, IPv4-compatible and IPv4-translated
   * addresses, 64:ff9b::/96 and 64:ff9b:1::/48). This includes 100::/64 (RFC 6666, discard-only).
   */
  RESERVED("reserved"),
  /**
   * 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 (RFC 5737), 2001:db8::/32 (RFC 3849) and
   * 3fff::/20 (RFC 9637): for examples only, never routed publicly.
   */
  DOCUMENTATION("documentation"),
  /**
   * 192.0.0.0/24, IETF protocol assignments (RFC 6890): DS-Lite's tunnel ends (192.0.0.0/29), NAT64
   * discovery (192.0.0.170-171) and the like, local to an operator's network. The whole block: its
   * two anycast services (192.0.0.9 and .10, RFC 7723 and 8155) are nothing a guest needs.
   */
  IETF_PROTOCOL("ietf-protocol");

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
      case SITE_LOCAL -> !v4 && first == 0xFE && (second & 0xC0) == 0xC0;
      case NAT64_LOCAL -> !v4 && startsWith(b, NAT64_LOCAL_PREFIX);
      case BENCHMARKING ->
          v4 ? first == 198 && (second & 0xFE) == 18 : startsWith(b, BENCHMARKING_PREFIX);
      case RESERVED -> v4 ? (first & 0xF0) == 0xF0 : unallocated(b);
      case DOCUMENTATION ->
          v4
              ? (first == 192 && second == 0 && b[2] == 2)
                  || (first == 198 && second == 51 && (b[2] & 0xFF) == 100)
                  || (first == 203 && second == 0 && (b[2] & 0xFF) == 113)
              : startsWith(b, DOCUMENTATION_PREFIX)
                  || (first == 0x3F && second == 0xFF && (b[2] & 0xF0) == 0);
      case IETF_PROTOCOL -> v4 && first == 192 && second == 0 && b[2] == 0;
    };
  }

  private static final byte[] NAT64_LOCAL_PREFIX = {0x00, 0x64, (byte) 0xFF, (byte) 0x9B, 0, 1};
  private static final byte[] BENCHMARKING_PREFIX = {0x20, 0x01, 0x00, 0x02, 0, 0};
  private static final byte[] DOCUMENTATION_PREFIX = {0x20, 0x01, 0x0D, (byte) 0xB8};

  /** Whether an IPv6 address lies in space the IANA has not allocated (see {@link #RESERVED}). */
  private static boolean unallocated(byte[] b) {
    int first = b[0] & 0xFF;
    if ((first & 0xE0) == 0x20 // 2000::/3, global unicast
        || (first & 0xFE) == 0xFC // fc00::/7, unique-local
        || (first == 0xFE && (b[1] & 0x80) != 0) // fe80::/10 and fec0::/10
        || first == 0xFF) { // multicast
      return false;
    }
    if (first != 0) {
      return true;
    }
    // ::/8: reserved too, but for the forms that mean something.
    boolean unspecifiedOrLoopback = allZero(b, 15) && (b[15] & 0xFF) <= 1;
    return !unspecifiedOrLoopback
        && EmbeddedIpv4.of(b).length == 0
        && !startsWith(b, NAT64_LOCAL_PREFIX);
  }

  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    for (int i = 0; i < prefix.length; i++) {
      if (bytes[i] != prefix[i]) {
        return false;
      }
    }
    return true;
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
