package dev.wasisockets.abi;

import com.dylibso.chicory.annotations.HostModule;
import com.dylibso.chicory.annotations.WasmExport;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasi.WasiPreview1;
import dev.wasisockets.core.DescriptorTable;
import dev.wasisockets.core.Errno;
import dev.wasisockets.core.ErrnoException;
import dev.wasisockets.core.GuestSocket;
import dev.wasisockets.core.SocketContext;
import dev.wasisockets.core.StdinReadiness;
import dev.wasisockets.core.WasiDescriptor;
import java.nio.charset.StandardCharsets;

/**
 * The preview 1 {@code fd_*} functions that must work on sockets too, and the ones that create,
 * move or close descriptors. Sockets are handled here; every other descriptor goes to Chicory's
 * {@link WasiPreview1} under its Chicory number.
 */
@HostModule("wasi_snapshot_preview1")
public final class WasiDescriptorFunctions {
  private static final int FDFLAGS_NONBLOCK = 4;
  // Rights bits (typenames.witx), granted to connections as wasi-go does (abi.md §2.3).
  private static final long RIGHT_FD_READ = 1L << 1;
  private static final long RIGHT_FD_FDSTAT_SET_FLAGS = 1L << 3;
  private static final long RIGHT_FD_WRITE = 1L << 6;
  private static final long RIGHT_FD_FILESTAT_GET = 1L << 21;
  private static final long RIGHT_POLL_FD_READWRITE = 1L << 27;
  private static final long RIGHT_SOCK_SHUTDOWN = 1L << 28;
  private static final long SOCKET_RIGHTS =
      RIGHT_FD_READ
          | RIGHT_FD_FDSTAT_SET_FLAGS
          | RIGHT_FD_WRITE
          | RIGHT_FD_FILESTAT_GET
          | RIGHT_POLL_FD_READWRITE
          | RIGHT_SOCK_SHUTDOWN;

  private final WasiPreview1 wasi;
  private final SocketContext context;
  private final DescriptorTable descriptors;
  private final SocketStreamIo io;
  private final StdinReadiness stdin;

  WasiDescriptorFunctions(
      WasiPreview1 wasi, SocketContext context, SocketStreamIo io, StdinReadiness stdin) {
    this.wasi = wasi;
    this.context = context;
    this.descriptors = context.descriptors();
    this.io = io;
    this.stdin = stdin;
  }

  /** {@code fd_read(fd, iovs, iovs_len, *nread) -> errno}; on a socket, a stream read. */
  @WasmExport
  public int fdRead(Memory memory, int fd, int iovs, int iovsLen, int nreadPtr) {
    GuestMemory guest = new GuestMemory(memory);
    guest.check(nreadPtr, 4);
    if (descriptors.get(fd) instanceof WasiDescriptor file) {
      // Chicory would trap on a bad iovec; the guest gets EFAULT instead.
      long capacity = IoVectors.capacity(guest, iovs, iovsLen);
      int result = wasi.fdRead(memory, file.wasiFd(), iovs, iovsLen, nreadPtr);
      if (file.stdin() && result == Errno.SUCCESS.code()) {
        stdin.afterRead(guest.readI32(nreadPtr), capacity); // poll_oneoff learns of its end
      }
      return result;
    }
    guest.writeI32(nreadPtr, io.receive(guest, descriptors.socket(fd), iovs, iovsLen, false));
    return Errno.SUCCESS.code();
  }

  /** {@code fd_write(fd, iovs, iovs_len, *nwritten) -> errno}; on a socket, a stream write. */
  @WasmExport
  public int fdWrite(Memory memory, int fd, int iovs, int iovsLen, int nwrittenPtr) {
    GuestMemory guest = new GuestMemory(memory);
    guest.check(nwrittenPtr, 4);
    if (descriptors.get(fd) instanceof WasiDescriptor file) {
      // Chicory would trap on a bad iovec; the guest gets EFAULT instead.
      IoVectors.capacity(guest, iovs, iovsLen);
      return wasi.fdWrite(memory, file.wasiFd(), iovs, iovsLen, nwrittenPtr);
    }
    guest.writeI32(nwrittenPtr, io.send(guest, descriptors.socket(fd), iovs, iovsLen));
    return Errno.SUCCESS.code();
  }

  /** {@code fd_close(fd) -> errno} */
  @WasmExport
  public int fdClose(int fd) {
    if (descriptors.get(fd) instanceof WasiDescriptor file) {
      int result = wasi.fdClose(file.wasiFd());
      if (result == Errno.SUCCESS.code()) {
        descriptors.remove(fd);
      }
      return result;
    }
    context.closeSocket(fd);
    return Errno.SUCCESS.code();
  }

  /**
   * {@code fd_fdstat_get(fd, *fdstat) -> errno}. A socket reports socket_stream (or socket_dgram)
   * and its NONBLOCK flag: Go's {@code net.FileListener} and wasi-libc's {@code
   * getsockopt(SO_TYPE)} read exactly these (abi.md §3).
   */
  @WasmExport
  public int fdFdstatGet(Memory memory, int fd, int fdstatPtr) {
    GuestMemory guest = new GuestMemory(memory);
    guest.check(fdstatPtr, 24);
    if (descriptors.get(fd) instanceof WasiDescriptor file) {
      return wasi.fdFdstatGet(memory, file.wasiFd(), fdstatPtr);
    }
    GuestSocket socket = descriptors.socket(fd);
    guest.writeU8(fdstatPtr, socket.fileType());
    guest.writeU8(fdstatPtr + 1, 0);
    guest.writeU16(fdstatPtr + 2, socket.isNonBlocking() ? FDFLAGS_NONBLOCK : 0);
    guest.writeI32(fdstatPtr + 4, 0);
    guest.writeI64(fdstatPtr + 8, SOCKET_RIGHTS);
    guest.writeI64(fdstatPtr + 16, 0);
    return Errno.SUCCESS.code();
  }

  /** {@code fd_fdstat_set_flags(fd, flags) -> errno}; on a socket only NONBLOCK means anything. */
  @WasmExport
  public int fdFdstatSetFlags(int fd, int flags) {
    if (descriptors.get(fd) instanceof WasiDescriptor file) {
      return wasi.fdFdstatSetFlags(file.wasiFd(), flags);
    }
    if ((flags & ~FDFLAGS_NONBLOCK) != 0) {
      throw new ErrnoException(Errno.EINVAL, "only NONBLOCK applies to a socket");
    }
    descriptors.socket(fd).setNonBlocking((flags & FDFLAGS_NONBLOCK) != 0);
    return Errno.SUCCESS.code();
  }

  /**
   * {@code fd_prestat_get(fd, *prestat) -> errno}. A socket is not a preopened directory: BADF,
   * which ends wasi-libc's and Go's preopen scans cleanly (abi.md §12).
   */
  @WasmExport
  public int fdPrestatGet(Memory memory, int fd, int prestatPtr) {
    new GuestMemory(memory).check(prestatPtr, 8);
    if (descriptors.get(fd) instanceof WasiDescriptor file) {
      return wasi.fdPrestatGet(memory, file.wasiFd(), prestatPtr);
    }
    return Errno.EBADF.code();
  }

  /**
   * {@code fd_renumber(from, to) -> errno}: {@code to} now names what {@code from} named, and what
   * {@code to} named before is closed. Both must be open, as in wasi-common.
   */
  @WasmExport
  public int fdRenumber(int from, int to) {
    descriptors.get(from);
    descriptors.get(to);
    if (from == to) {
      return Errno.SUCCESS.code();
    }
    int closed = fdClose(to);
    if (closed != Errno.SUCCESS.code()) {
      return closed;
    }
    descriptors.add(descriptors.remove(from), to);
    return Errno.SUCCESS.code();
  }

  /**
   * {@code path_open(dirfd, dirflags, path, path_len, oflags, rights_base, rights_inheriting,
   * fdflags, *fd) -> errno}: Chicory opens the file; the guest gets a number from our table, the
   * same number as Chicory's when it is free.
   */
  @WasmExport
  public int pathOpen(
      Memory memory,
      int dirFd,
      int lookupFlags,
      int pathPtr,
      int pathLen,
      int openFlags,
      long rightsBase,
      long rightsInheriting,
      int fdFlags,
      int fdPtr) {
    GuestMemory guest = new GuestMemory(memory);
    guest.check(fdPtr, 4);
    String path = new String(guest.read(pathPtr, pathLen), StandardCharsets.UTF_8);
    int directory = wasiFd(dirFd);
    int result =
        wasi.pathOpen(
            memory,
            directory,
            lookupFlags,
            path,
            openFlags,
            rightsBase,
            rightsInheriting,
            fdFlags,
            fdPtr);
    if (result == Errno.SUCCESS.code()) {
      int opened = guest.readI32(fdPtr);
      guest.writeI32(fdPtr, descriptors.add(new WasiDescriptor(opened), opened));
    }
    return result;
  }

  /** Chicory's number for the guest's {@code fd}; EBADF if it is none or a socket. */
  int wasiFd(int fd) {
    if (descriptors.get(fd) instanceof WasiDescriptor file) {
      return file.wasiFd();
    }
    throw new ErrnoException(Errno.EBADF, "descriptor " + fd + " is a socket, not a file");
  }
}
