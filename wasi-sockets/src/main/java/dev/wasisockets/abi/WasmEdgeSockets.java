package dev.wasisockets.abi;

import com.dylibso.chicory.annotations.HostModule;
import com.dylibso.chicory.annotations.WasmExport;
import com.dylibso.chicory.runtime.Memory;
import dev.wasisockets.core.Errno;
import dev.wasisockets.core.ErrnoException;
import dev.wasisockets.core.SocketContext;
import java.net.StandardProtocolFamily;

/**
 * The WasmEdge socket extension (abi.md §4): socket creation and addressing that preview 1 lacks,
 * imported from {@code wasi_snapshot_preview1} by wasmedge_wasi_socket (Rust), dispatchrun/net (Go)
 * and C guests. Stream I/O and shutdown are the preview 1 functions ({@link Preview1Sockets}).
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
    if (socketType == SOCK_DGRAM) {
      throw new ErrnoException(Errno.EPROTONOSUPPORT, "UDP sockets are not supported yet");
    }
    if (socketType != SOCK_STREAM) {
      throw new ErrnoException(Errno.EINVAL, "socket type " + socketType);
    }
    guest.writeI32(fdPtr, context.openTcp(family));
    return Errno.SUCCESS.code();
  }

  /** {@code sock_connect(fd, *address, port) -> errno}; the port is a host-order number. */
  @WasmExport
  public int sockConnect(Memory memory, int fd, int addressPtr, int port) {
    GuestMemory guest = new GuestMemory(memory);
    context.tcp(fd).connect(WasmEdgeAddress.read(guest, addressPtr, port));
    return Errno.SUCCESS.code();
  }
}
