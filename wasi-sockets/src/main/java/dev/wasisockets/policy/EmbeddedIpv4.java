package dev.wasisockets.policy;

/**
 * The IPv4 addresses an IPv6 address carries, in the forms that send packets to (or through) them:
 * a guest that may not reach 127.0.0.1 must not reach it through {@code 64:ff9b::7f00:1} either.
 *
 * <ul>
 *   <li><b>NAT64</b>, 64:ff9b::/96 (RFC 6052 §2.1): a translator sends the packet on to the IPv4
 *       address in the last 32 bits.
 *   <li><b>6to4</b>, 2002::/16 (RFC 3056): the packet is tunnelled inside IPv4 to the address in
 *       bits 16-47.
 *   <li><b>IPv4-compatible</b>, ::a.b.c.d (RFC 4291 §2.5.5.1, deprecated): automatic tunnelling to
 *       a.b.c.d. Not :: and ::1, which are the unspecified and loopback addresses.
 *   <li><b>IPv4-translated</b>, ::ffff:0:a.b.c.d (RFC 2765): a stateless translator sends it to
 *       a.b.c.d.
 *   <li><b>IPv4-mapped</b>, ::ffff:a.b.c.d: the JDK already makes these IPv4; here for raw bytes.
 *   <li><b>Teredo</b>, 2001::/32 (RFC 4380 §4): two addresses. Bits 32-63 are the Teredo server;
 *       the last 32 bits, inverted, are the client's public address, where a relay (or this host,
 *       as a Teredo client) sends the bytes. The server gets this host's bubbles. A real Teredo
 *       address has both public, so either being denied denies the address.
 * </ul>
 *
 * <p>Local-use NAT64 (64:ff9b:1::/48, RFC 8215) is not decoded: its prefix length, which says where
 * the IPv4 address sits, is the operator's choice. It is {@link AddressClass#NAT64_LOCAL}.
 */
final class EmbeddedIpv4 {
  static final byte[][] NONE = new byte[0][];

  private EmbeddedIpv4() {}

  /** The 4-byte IPv4 addresses the address of {@code b} (4 or 16 bytes) carries; none for IPv4. */
  static byte[][] of(byte[] b) {
    if (b.length != 16) {
      return NONE;
    }
    int w0 = word(b, 0);
    int w1 = word(b, 4);
    int w2 = word(b, 8);
    if (w0 == 0x0064FF9B && w1 == 0 && w2 == 0) {
      return new byte[][] {slice(b, 12, 0)};
    }
    if ((w0 >>> 16) == 0x2002) {
      return new byte[][] {slice(b, 2, 0)};
    }
    if (w0 == 0x20010000) {
      return new byte[][] {slice(b, 4, 0), slice(b, 12, 0xFF)};
    }
    if (w0 == 0 && w1 == 0) {
      boolean compatible = w2 == 0 && (word(b, 12) & 0xFFFFFFFFL) > 1;
      boolean mapped = w2 == 0x0000FFFF;
      boolean translated = w2 == 0xFFFF0000;
      if (compatible || mapped || translated) {
        return new byte[][] {slice(b, 12, 0)};
      }
    }
    return NONE;
  }

  private static int word(byte[] b, int at) {
    return (b[at] & 0xFF) << 24
        | (b[at + 1] & 0xFF) << 16
        | (b[at + 2] & 0xFF) << 8
        | b[at + 3] & 0xFF;
  }

  /** Four bytes of {@code b} from {@code at}, each XORed with {@code flip} (Teredo inverts). */
  private static byte[] slice(byte[] b, int at, int flip) {
    byte[] ipv4 = new byte[4];
    for (int i = 0; i < 4; i++) {
      ipv4[i] = (byte) (b[at + i] ^ flip);
    }
    return ipv4;
  }
}
