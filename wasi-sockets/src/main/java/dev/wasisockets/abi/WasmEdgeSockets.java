package dev.wasisockets.abi;

import com.dylibso.chicory.annotations.HostModule;
import com.dylibso.chicory.annotations.WasmExport;
import com.dylibso.chicory.runtime.Memory;
import dev.wasisockets.core.Errno;
import dev.wasisockets.core.ErrnoException;
import dev.wasisockets.core.GuestSocket;
import dev.wasisockets.core.SocketContext;
import dev.wasisockets.core.UdpSocket;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;

/**
 * The WasmEdge socket extension (abi.md §4): socket creation and addressing that preview 1 lacks,
 * imported from {@code wasi_snapshot_preview1} by wasmedge_wasi_socket (Rust), dispatchrun/net (Go)
 * and C guests. Stream I/O, accept (V2) and shutdown are the preview 1 functions ({@link
 * Preview1Sockets}); datagrams are in {@link WasmEdgeDatagrams}.
 *
 * <p>Where V1 and V2 differ in Wasm signature, both are here under one import name; the import's
 * type picks one, per function, as WasmEdge does. Where they share a signature, one body accepts
 * both address formats (4, 16 or 128 bytes), as wasi-go does.
 */
@HostModule("wasi_snapshot_preview1")
public final class WasmEdgeSockets {
  private static final int AF_INET4 = 1;
  private static final int AF_INET6 = 2;
  private static final int AF_UNIX = 3;
  private static final int SOCK_DGRAM = 1;
  private static final int SOCK_STREAM = 2;

  private final SocketContext context;

  WasmEdgeSockets(SocketContext context) {
    this.context = context;
  }

  /** {@code sock_open(address_family, socket_type, *fd) -> errno} */
  @WasmExport
  public int sockOpen(Memory memory, int addressFamily, int socketType, int fdPtr) {
    GuestMemory guest = new GuestMemory(memory);
    guest.check(fdPtr, 4);
    StandardProtocolFamily family =
        switch (addressFamily) {
          case AF_INET4 -> StandardProtocolFamily.INET;
          case AF_INET6 -> StandardProtocolFamily.INET6;
          case AF_UNIX -> throw new ErrnoException(Errno.EAFNOSUPPORT, "AF_UNIX sockets");
          default -> throw new ErrnoException(Errno.EINVAL, "address family " + addressFamily);
        };
    int fd =
        switch (socketType) {
          case SOCK_STREAM -> context.openTcp(family);
          case SOCK_DGRAM -> context.openUdp(family);
          default -> throw new ErrnoException(Errno.EINVAL, "socket type " + socketType);
        };
    guest.writeI32(fdPtr, fd);
    return Errno.SUCCESS.code();
  }

  /** {@code sock_bind(fd, *address, port) -> errno}; the port is a host-order number. */
  @WasmExport
  public int sockBind(Memory memory, int fd, int addressPtr, int port) {
    InetSocketAddress local = WasmEdgeAddress.read(new GuestMemory(memory), addressPtr, port);
    GuestSocket socket = context.descriptors().socket(fd);
    if (socket instanceof UdpSocket udp) {
      udp.bind(local);
    } else {
      context.tcp(fd).bind(local);
    }
    return Errno.SUCCESS.code();
  }

  /** {@code sock_listen(fd, backlog) -> errno} */
  @WasmExport
  public int sockListen(int fd, int backlog) {
    context.listen(fd, backlog);
    return Errno.SUCCESS.code();
  }

  /** V1 {@code sock_accept(fd, *fd) -> errno}: preview 1's accept with no flags. */
  @WasmExport("sock_accept")
  public int sockAcceptV1(Memory memory, int fd, int fdPtr) {
    GuestMemory guest = new GuestMemory(memory);
    guest.check(fdPtr, 4);
    guest.writeI32(fdPtr, context.accept(fd, false));
    return Errno.SUCCESS.code();
  }

  /**
   * {@code sock_connect(fd, *address, port) -> errno}; the port is a host-order number. On a UDP
   * socket, sets the default peer.
   */
  @WasmExport
  public int sockConnect(Memory memory, int fd, int addressPtr, int port) {
    InetSocketAddress remote = WasmEdgeAddress.read(new GuestMemory(memory), addressPtr, port);
    if (context.descriptors().socket(fd) instanceof UdpSocket udp) {
      udp.connect(remote);
    } else {
      context.tcp(fd).connect(remote);
    }
    return Errno.SUCCESS.code();
  }

  /**
   * V1 {@code sock_getlocaladdr(fd, *address, *address_type, *port) -> errno}: a 4- or 16-byte
   * buffer gets the raw address; address_type (u32) is 4 or 6, not the family enum (WasmEdge kept
   * that for compatibility); port (u32) is host-order.
   */
  @WasmExport("sock_getlocaladdr")
  public int sockGetLocalAddrV1(Memory memory, int fd, int addressPtr, int typePtr, int portPtr) {
    return writeAddressV1(memory, fd, addressPtr, typePtr, portPtr, true);
  }

  /** V2 {@code sock_getlocaladdr(fd, *address, *port) -> errno}: a 128-byte tagged buffer. */
  @WasmExport("sock_getlocaladdr")
  public int sockGetLocalAddrV2(Memory memory, int fd, int addressPtr, int portPtr) {
    return writeAddressV2(memory, fd, addressPtr, portPtr, true);
  }

  /** V1 {@code sock_getpeeraddr(fd, *address, *address_type, *port) -> errno}, as the local one. */
  @WasmExport("sock_getpeeraddr")
  public int sockGetPeerAddrV1(Memory memory, int fd, int addressPtr, int typePtr, int portPtr) {
    return writeAddressV1(memory, fd, addressPtr, typePtr, portPtr, false);
  }

  /** V2 {@code sock_getpeeraddr(fd, *address, *port) -> errno}: a 128-byte tagged buffer. */
  @WasmExport("sock_getpeeraddr")
  public int sockGetPeerAddrV2(Memory memory, int fd, int addressPtr, int portPtr) {
    return writeAddressV2(memory, fd, addressPtr, portPtr, false);
  }

  private int writeAddressV1(
      Memory memory, int fd, int addressPtr, int typePtr, int portPtr, boolean local) {
    GuestMemory guest = new GuestMemory(memory);
    WasmEdgeAddress.bufferLength(guest, addressPtr, 4, 16);
    guest.check(typePtr, 4);
    guest.check(portPtr, 4);
    InetSocketAddress address = address(fd, local);
    int family = WasmEdgeAddress.write(guest, addressPtr, address.getAddress());
    guest.writeI32(typePtr, family == WasmEdgeAddress.FAMILY_INET4 ? 4 : 6);
    guest.writeI32(portPtr, address.getPort());
    return Errno.SUCCESS.code();
  }

  private int writeAddressV2(Memory memory, int fd, int addressPtr, int portPtr, boolean local) {
    GuestMemory guest = new GuestMemory(memory);
    WasmEdgeAddress.bufferLength(guest, addressPtr, WasmEdgeAddress.TAGGED_LENGTH);
    guest.check(portPtr, 4);
    InetSocketAddress address = address(fd, local);
    WasmEdgeAddress.write(guest, addressPtr, address.getAddress());
    guest.writeI32(portPtr, address.getPort());
    return Errno.SUCCESS.code();
  }

  private InetSocketAddress address(int fd, boolean local) {
    GuestSocket socket = context.descriptors().socket(fd);
    return local ? socket.localAddress() : socket.remoteAddress();
  }
}
