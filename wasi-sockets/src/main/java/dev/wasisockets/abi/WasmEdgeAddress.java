package dev.wasisockets.abi;

import dev.wasisockets.core.Errno;
import dev.wasisockets.core.ErrnoException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * The WasmEdge address descriptor (abi.md §4.3): 8 bytes, {@code (buf: u32, buf_len: u32)}, where
 * buf_len picks the format: 4 raw IPv4 bytes, 16 raw IPv6 bytes, or a 128-byte V2 buffer that
 * starts with a u16 family tag (1 INET4, 2 INET6, 3 AF_UNIX) followed by the address bytes. The
 * port never travels in the buffer: it is a separate host-order argument or out-pointer.
 */
final class WasmEdgeAddress {
  static final int FAMILY_INET4 = 1;
  static final int FAMILY_INET6 = 2;
  private static final int FAMILY_UNIX = 3;
  static final int TAGGED_LENGTH = 128;

  private WasmEdgeAddress() {}

  /**
   * Reads the descriptor at {@code descriptor} and pairs it with {@code port} (an i32 whose low 16
   * bits are the port, as WasmEdge truncates it). An IPv4-mapped IPv6 address comes back as IPv4.
   */
  static InetSocketAddress read(GuestMemory memory, int descriptor, int port) {
    int buffer = memory.readI32(descriptor);
    int length = memory.readI32(descriptor + 4);
    byte[] raw =
        switch (length) {
          case 4, 16 -> memory.read(buffer, length);
          case TAGGED_LENGTH -> readTagged(memory, buffer);
          default ->
              throw new ErrnoException(
                  Errno.EINVAL, "address buffer length " + length + " is not 4, 16 or 128");
        };
    try {
      return new InetSocketAddress(InetAddress.getByAddress(raw), port & 0xFFFF);
    } catch (UnknownHostException e) {
      throw new AssertionError("4 or 16 bytes are always an address", e);
    }
  }

  /**
   * The length of the buffer a descriptor names, after checking the descriptor and the buffer lie
   * in memory and that the length is one of {@code allowed}.
   */
  static int bufferLength(GuestMemory memory, int descriptor, int... allowed) {
    int length = memory.readI32(descriptor + 4);
    memory.check(memory.readI32(descriptor), Integer.toUnsignedLong(length));
    for (int ok : allowed) {
      if (length == ok) {
        return length;
      }
    }
    throw new ErrnoException(
        Errno.EINVAL,
        "address buffer length " + length + " is not one of " + Arrays.toString(allowed));
  }

  /**
   * Writes {@code address} into the buffer a descriptor names: for a 4- or 16-byte buffer, the raw
   * bytes at offset 0 (4 for IPv4 even in 16 bytes: the V1 calls report the family beside it, and
   * wasmedge_wasi_socket reads 4 bytes when it says IPv4); for 128, a family tag and the bytes.
   * Returns the WasmEdge family of the address.
   */
  static int write(GuestMemory memory, int descriptor, InetAddress address) {
    int buffer = memory.readI32(descriptor);
    int length = memory.readI32(descriptor + 4);
    byte[] raw = address.getAddress();
    int family = address instanceof Inet4Address ? FAMILY_INET4 : FAMILY_INET6;
    switch (length) {
      case 4, 16 -> {
        if (raw.length > length) {
          throw new ErrnoException(Errno.EINVAL, "an IPv6 address does not fit in 4 bytes");
        }
        memory.write(buffer, raw, 0, raw.length);
      }
      case TAGGED_LENGTH -> {
        byte[] tagged = new byte[TAGGED_LENGTH];
        tagged[0] = (byte) family;
        System.arraycopy(raw, 0, tagged, 2, raw.length);
        memory.write(buffer, tagged, 0, TAGGED_LENGTH);
      }
      default ->
          throw new ErrnoException(
              Errno.EINVAL, "address buffer length " + length + " is not 4, 16 or 128");
    }
    return family;
  }

  private static byte[] readTagged(GuestMemory memory, int buffer) {
    byte[] tagged = memory.read(buffer, TAGGED_LENGTH);
    int family = (tagged[0] & 0xFF) | (tagged[1] & 0xFF) << 8;
    return switch (family) {
      case FAMILY_INET4 -> Arrays.copyOfRange(tagged, 2, 6);
      case FAMILY_INET6 -> Arrays.copyOfRange(tagged, 2, 18);
      case FAMILY_UNIX ->
          throw new ErrnoException(Errno.EAFNOSUPPORT, "AF_UNIX addresses are not supported");
      default -> throw new ErrnoException(Errno.EINVAL, "unknown address family tag " + family);
    };
  }
}
