package dev.wasisockets.abi;

import com.dylibso.chicory.annotations.HostModule;
import com.dylibso.chicory.annotations.WasmExport;
import com.dylibso.chicory.runtime.Memory;
import dev.wasisockets.core.Errno;
import dev.wasisockets.core.ErrnoException;
import dev.wasisockets.core.GuestSocket;
import dev.wasisockets.core.SocketContext;

/**
 * The socket functions of WASI preview 1 itself (abi.md §3), which the WasmEdge extension shares
 * unchanged: {@code sock_accept}, {@code sock_recv}, {@code sock_send}, {@code sock_shutdown}.
 *
 * <p>Every out-pointer is checked before any byte moves: a guest whose out-pointer is bad gets
 * EFAULT and its data stays in the socket (or in its memory), rather than being moved and lost.
 */
@HostModule("wasi_snapshot_preview1")
public final class Preview1Sockets {
  private static final int FDFLAGS_NONBLOCK = 4;

  private final SocketContext context;
  private final SocketStreamIo io;

  Preview1Sockets(SocketContext context, SocketStreamIo io) {
    this.context = context;
    this.io = io;
  }

  /**
   * {@code sock_accept(fd, flags, *fd) -> errno}. The new socket is non-blocking only if {@code
   * flags} says so; it does not inherit the listener's mode. Only NONBLOCK may be set (EINVAL for
   * other bits, as wasi-go).
   */
  @WasmExport
  public int sockAccept(Memory memory, int fd, int flags, int fdPtr) {
    GuestMemory guest = new GuestMemory(memory);
    guest.check(fdPtr, 4);
    if ((flags & ~FDFLAGS_NONBLOCK) != 0) {
      throw new ErrnoException(Errno.EINVAL, "sock_accept flags " + flags);
    }
    guest.writeI32(fdPtr, context.accept(fd, (flags & FDFLAGS_NONBLOCK) != 0));
    return Errno.SUCCESS.code();
  }

  /** {@code sock_recv(fd, ri_data, ri_data_len, ri_flags, *ro_datalen, *ro_flags) -> errno} */
  @WasmExport
  public int sockRecv(
      Memory memory,
      int fd,
      int riData,
      int riDataLen,
      int riFlags,
      int roDataLenPtr,
      int roFlagsPtr) {
    GuestMemory guest = new GuestMemory(memory);
    GuestSocket socket = context.descriptors().socket(fd);
    io.receiveInto(guest, socket, riData, riDataLen, riFlags, roDataLenPtr, roFlagsPtr);
    return Errno.SUCCESS.code();
  }

  /** {@code sock_send(fd, si_data, si_data_len, si_flags, *so_datalen) -> errno} */
  @WasmExport
  public int sockSend(
      Memory memory, int fd, int siData, int siDataLen, int siFlags, int soDataLenPtr) {
    GuestMemory guest = new GuestMemory(memory);
    guest.check(soDataLenPtr, 4);
    if (siFlags != 0) {
      // preview 1 defines no siflags; wazero and wasi-common refuse any as well.
      throw new ErrnoException(Errno.ENOTSUP, "siflags must be 0, got " + siFlags);
    }
    GuestSocket socket = context.descriptors().socket(fd);
    guest.writeI32(soDataLenPtr, io.send(guest, socket, siData, siDataLen));
    return Errno.SUCCESS.code();
  }

  /** {@code sock_shutdown(fd, how) -> errno}; how is 1 (RD), 2 (WR) or 3 (both). */
  @WasmExport
  public int sockShutdown(int fd, int how) {
    if (how < GuestSocket.SHUT_RD || how > (GuestSocket.SHUT_RD | GuestSocket.SHUT_WR)) {
      throw new ErrnoException(Errno.EINVAL, "sdflags " + how + " is not 1, 2 or 3");
    }
    context.descriptors().socket(fd).shutdown(how);
    return Errno.SUCCESS.code();
  }
}
