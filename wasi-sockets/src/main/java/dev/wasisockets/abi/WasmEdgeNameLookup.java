package dev.wasisockets.abi;

import com.dylibso.chicory.annotations.HostModule;
import com.dylibso.chicory.annotations.WasmExport;
import com.dylibso.chicory.runtime.Memory;
import dev.wasisockets.core.Errno;
import dev.wasisockets.core.ErrnoException;
import dev.wasisockets.core.SocketContext;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code sock_getaddrinfo} of the WasmEdge extension (abi.md §4.4). Answers only when the policy
 * allows name lookups (EACCES otherwise, logged); an IP literal needs no grant.
 *
 * <p>The guest pre-allocates and pre-links {@code max_res} entries; we follow their {@code ai_next}
 * links and fill them in. Each entry's {@code sa_data} gets the port (big-endian) in bytes 0–1 and
 * the address from byte 2: 4 bytes for IPv4 (then 8 zeros, 14 in all, as WasmEdge), 16 for IPv6 (as
 * wasi-go and dispatchrun/net lay it; WasmEdge copies a host {@code sockaddr_in6} tail there, which
 * no guest reads). Canonical names are not reported (length 0). Services are port numbers.
 */
@HostModule("wasi_snapshot_preview1")
public final class WasmEdgeNameLookup {
  // WasmEdge's getaddrinfo errnos (thirdparty/wasi/api.hpp).
  private static final int EAI_AGAIN = 78;
  private static final int EAI_BADFLAGS = 79;
  private static final int EAI_FAMILY = 81;
  private static final int EAI_MEMORY = 82;
  private static final int EAI_NONAME = 84;
  private static final int EAI_SERVICE = 85;
  private static final int EAI_SOCKTYPE = 86;

  private static final int AI_PASSIVE = 1;
  private static final int AI_CANONNAME = 2;
  private static final int AI_KNOWN_FLAGS = 0x7F;
  private static final int FAMILY_UNSPEC = 0;
  private static final int FAMILY_INET4 = 1;
  private static final int FAMILY_INET6 = 2;
  private static final int SOCK_ANY = 0;
  private static final int SOCK_DGRAM = 1;
  private static final int SOCK_STREAM = 2;
  private static final int PROTOCOL_TCP = 1;
  private static final int PROTOCOL_UDP = 2;
  private static final int ADDRINFO_SIZE = 28;
  private static final int SOCKADDR_SIZE = 12;
  private static final int SOCKADDR_IN_SIZE = 16;
  private static final int SOCKADDR_IN6_SIZE = 28;

  private final SocketContext context;

  WasmEdgeNameLookup(SocketContext context) {
    this.context = context;
  }

  /**
   * {@code sock_getaddrinfo(node, node_len, service, service_len, *hints, **res, max_res, *res_len)
   * -> errno}
   */
  @WasmExport
  public int sockGetaddrinfo(
      Memory memory,
      int nodePtr,
      int nodeLen,
      int servicePtr,
      int serviceLen,
      int hintsPtr,
      int resPtr,
      int maxResults,
      int resLenPtr) {
    GuestMemory guest = new GuestMemory(memory);
    String node = text(guest, nodePtr, nodeLen);
    String service = text(guest, servicePtr, serviceLen);
    guest.check(hintsPtr, ADDRINFO_SIZE);
    guest.check(resLenPtr, 4);
    int flags = guest.readU16(hintsPtr);
    int family = guest.readU8(hintsPtr + 2);
    int socketType = guest.readU8(hintsPtr + 3);
    int protocol = guest.readU8(hintsPtr + 4);
    if (node.isEmpty() && service.isEmpty()) {
      return EAI_NONAME;
    }
    if (maxResults < 1) {
      return EAI_MEMORY;
    }
    if ((flags & ~AI_KNOWN_FLAGS) != 0 || ((flags & AI_CANONNAME) != 0 && node.isEmpty())) {
      return EAI_BADFLAGS;
    }
    if (family != FAMILY_UNSPEC && family != FAMILY_INET4 && family != FAMILY_INET6) {
      return EAI_FAMILY;
    }
    if (socketType != SOCK_ANY && socketType != SOCK_DGRAM && socketType != SOCK_STREAM) {
      return EAI_SOCKTYPE;
    }
    int port;
    try {
      port = service.isEmpty() ? 0 : Integer.parseInt(service);
    } catch (NumberFormatException e) {
      return EAI_SERVICE;
    }
    if (port < 0 || port > 65535) {
      return EAI_SERVICE;
    }

    List<InetAddress> found;
    try {
      found = lookup(node, (flags & AI_PASSIVE) != 0);
    } catch (ErrnoException e) {
      // A name with no address, a resolver that did not answer in time, and too many lookups
      // that have not ended are getaddrinfo's own errors; a denial stays EACCES.
      return switch (e.errno()) {
        case ENOENT -> EAI_NONAME;
        case ETIMEDOUT, EAGAIN -> EAI_AGAIN;
        default -> throw e;
      };
    }
    List<InetAddress> addresses = new ArrayList<>();
    for (InetAddress address : found) {
      boolean ipv4 = address instanceof Inet4Address;
      if (family == FAMILY_UNSPEC || (family == FAMILY_INET4) == ipv4) {
        addresses.add(address);
      }
    }
    if (addresses.isEmpty()) {
      return EAI_NONAME;
    }

    int resultType = socketType == SOCK_ANY ? SOCK_STREAM : socketType;
    int resultProtocol =
        protocol != 0 ? protocol : resultType == SOCK_STREAM ? PROTOCOL_TCP : PROTOCOL_UDP;
    int entry = guest.readI32(resPtr);
    int written = 0;
    while (written < Math.min(maxResults, addresses.size()) && entry != 0) {
      writeEntry(guest, entry, addresses.get(written), port, resultType, resultProtocol);
      written++;
      entry = guest.readI32(entry + 24);
    }
    guest.writeI32(resLenPtr, written);
    return Errno.SUCCESS.code();
  }

  private List<InetAddress> lookup(String node, boolean passive) {
    if (!node.isEmpty()) {
      return context.resolve(node);
    }
    try {
      return passive
          ? List.of(InetAddress.getByName("0.0.0.0"), InetAddress.getByName("::"))
          : List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1"));
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError("literals always parse", e);
    }
  }

  private static void writeEntry(
      GuestMemory guest, int entry, InetAddress address, int port, int type, int protocol) {
    guest.check(entry, ADDRINFO_SIZE);
    boolean ipv6 = address instanceof Inet6Address;
    guest.writeU16(entry, 0);
    guest.writeU8(entry + 2, ipv6 ? FAMILY_INET6 : FAMILY_INET4);
    guest.writeU8(entry + 3, type);
    guest.writeU8(entry + 4, protocol);
    guest.writeI32(entry + 8, ipv6 ? SOCKADDR_IN6_SIZE : SOCKADDR_IN_SIZE);
    guest.writeI32(entry + 20, 0); // no canonical name

    int sockaddr = guest.readI32(entry + 12);
    guest.check(sockaddr, SOCKADDR_SIZE);
    byte[] raw = address.getAddress();
    byte[] data = new byte[ipv6 ? 18 : 14];
    data[0] = (byte) (port >>> 8);
    data[1] = (byte) port;
    System.arraycopy(raw, 0, data, 2, raw.length);
    guest.writeU8(sockaddr, ipv6 ? FAMILY_INET6 : FAMILY_INET4);
    guest.write(guest.readI32(sockaddr + 8), data, 0, data.length);
    guest.writeI32(sockaddr + 4, data.length);
  }

  /** A (pointer, length) string; one trailing NUL (wasmedge_wasi_socket counts it) is dropped. */
  private static String text(GuestMemory guest, int pointer, int length) {
    if (length == 0) {
      return "";
    }
    byte[] bytes = guest.read(pointer, length);
    int end = bytes[bytes.length - 1] == 0 ? bytes.length - 1 : bytes.length;
    String text = new String(bytes, 0, end, StandardCharsets.UTF_8);
    if (text.indexOf('\0') >= 0) {
      throw new ErrnoException(Errno.EINVAL, "a NUL inside a name");
    }
    return text;
  }
}
