package dev.wasisockets.abi;

import com.dylibso.chicory.annotations.HostModule;
import com.dylibso.chicory.annotations.WasmExport;
import com.dylibso.chicory.runtime.Memory;
import dev.wasisockets.core.Errno;
import dev.wasisockets.core.ErrnoException;
import dev.wasisockets.core.GuestSocket;
import dev.wasisockets.core.SocketContext;
import dev.wasisockets.core.SocketOptionKind;

/**
 * {@code sock_getsockopt} and {@code sock_setsockopt} of the WasmEdge extension (abi.md §4.5).
 *
 * <p>Levels and names are WasmEdge's: level 0 (SOL_SOCKET) with names 0 REUSEADDR, 1 TYPE, 2 ERROR,
 * 4 BROADCAST, 5 SNDBUF, 6 RCVBUF, 7 KEEPALIVE, 9 LINGER, 11 RCVTIMEO, 12 SNDTIMEO, 13 ACCEPTCONN;
 * and, as wasi-go, level 6 (IPPROTO_TCP) with TCP_NODELAY (name 1, or wasi-go's 15). Other names
 * (DONTROUTE, OOBINLINE, RCVLOWAT, BINDTODEVICE) are ENOPROTOOPT. Values are what wasi-libc lays
 * out: an i32 for integers and flags, {@code struct linger} (8 bytes) for LINGER, {@code struct
 * timeval} (16 bytes: i64 seconds, i64 microseconds) for the timeouts.
 *
 * <p>getsockopt's last argument: WasmEdge itself, wasmedge_wasi_socket and the Rust crates built on
 * it pass a pointer to a u32 length (a local on the guest's stack); dispatchrun/net, wasi-go and
 * the C shim that ports libc's {@code getsockopt} to WasmEdge pass the length itself, always 4. The
 * Wasm types are the same, so the value decides (abi.md §10): up to 16, the largest value an option
 * has (a {@code timeval}), it is a length, so every length a by-value caller can mean is read as
 * one; above, a pointer, whose u32 is read and then set to the length written. No toolchain puts a
 * variable in the first 16 bytes of memory (wasm-ld starts data at 1024, and a stack-first stack
 * would have to overflow to get there; that space is the null pointer's), so no real pointer is
 * read as a length either.
 */
@HostModule("wasi_snapshot_preview1")
public final class WasmEdgeSocketOptions {
  private static final int SOL_SOCKET = 0;
  private static final int IPPROTO_TCP = 6;
  private static final int LONGEST_LENGTH_VALUE = 16;
  private static final int INT_SIZE = 4;
  private static final int LINGER_SIZE = 8;
  private static final int TIMEVAL_SIZE = 16;

  private final SocketContext context;

  WasmEdgeSocketOptions(SocketContext context) {
    this.context = context;
  }

  /** {@code sock_getsockopt(fd, level, name, *value, value_len | *value_len) -> errno} */
  @WasmExport
  public int sockGetsockopt(Memory memory, int fd, int level, int name, int valuePtr, int length) {
    GuestMemory guest = new GuestMemory(memory);
    boolean lengthByPointer = Integer.compareUnsigned(length, LONGEST_LENGTH_VALUE) > 0;
    int capacity = lengthByPointer ? guest.readI32(length) : length;
    SocketOptionKind kind = kind(level, name);
    int size = size(kind);
    if (capacity < size) {
      throw new ErrnoException(Errno.EINVAL, kind + " needs " + size + " bytes, got " + capacity);
    }
    guest.check(valuePtr, size);
    GuestSocket socket = context.descriptors().socket(fd);
    long value = socket.getOption(kind);
    switch (size) {
      case LINGER_SIZE -> {
        guest.writeI32(valuePtr, value >= 0 ? 1 : 0);
        guest.writeI32(valuePtr + 4, (int) Math.max(value, 0));
      }
      case TIMEVAL_SIZE -> {
        guest.writeI64(valuePtr, value / 1_000_000_000L);
        guest.writeI64(valuePtr + 8, value % 1_000_000_000L / 1_000);
      }
      default -> guest.writeI32(valuePtr, (int) value);
    }
    if (lengthByPointer) {
      guest.writeI32(length, size);
    }
    return Errno.SUCCESS.code();
  }

  /** {@code sock_setsockopt(fd, level, name, *value, value_len) -> errno} */
  @WasmExport
  public int sockSetsockopt(Memory memory, int fd, int level, int name, int valuePtr, int length) {
    GuestMemory guest = new GuestMemory(memory);
    SocketOptionKind kind = kind(level, name);
    int size = size(kind);
    if (length < size) {
      throw new ErrnoException(Errno.EINVAL, kind + " needs " + size + " bytes, got " + length);
    }
    guest.check(valuePtr, size);
    long value =
        switch (size) {
          case LINGER_SIZE -> guest.readI32(valuePtr) != 0 ? guest.readI32(valuePtr + 4) : -1;
          case TIMEVAL_SIZE -> timevalNanos(guest.readI64(valuePtr), guest.readI64(valuePtr + 8));
          default -> guest.readI32(valuePtr);
        };
    context.descriptors().socket(fd).setOption(kind, value);
    return Errno.SUCCESS.code();
  }

  /**
   * A {@code timeval} as nanoseconds, 0 meaning no timeout, as Linux's {@code sock_set_timeout}
   * reads it: microseconds outside 0..999,999 are EDOM; a negative time is no timeout; a time too
   * long to count (for us, past what a long holds in nanoseconds, about 292 years) is no timeout
   * either, as Linux makes its longest one "wait forever".
   */
  private static long timevalNanos(long seconds, long micros) {
    if (micros < 0 || micros >= 1_000_000) {
      throw new ErrnoException(Errno.EDOM, "tv_usec " + micros + " is not 0..999999");
    }
    long microNanos = micros * 1_000;
    if (seconds < 0 || seconds > (Long.MAX_VALUE - microNanos) / 1_000_000_000L) {
      return 0;
    }
    return seconds * 1_000_000_000L + microNanos;
  }

  /**
   * The option a WasmEdge level and name mean (ENOPROTOOPT for others); also the trace's name for
   * it.
   */
  static SocketOptionKind kind(int level, int name) {
    if (level == IPPROTO_TCP && (name == 1 || name == 15)) {
      return SocketOptionKind.TCP_NODELAY;
    }
    if (level != SOL_SOCKET) {
      throw new ErrnoException(Errno.ENOPROTOOPT, "level " + level);
    }
    return switch (name) {
      case 0 -> SocketOptionKind.REUSEADDR;
      case 1 -> SocketOptionKind.TYPE;
      case 2 -> SocketOptionKind.ERROR;
      case 4 -> SocketOptionKind.BROADCAST;
      case 5 -> SocketOptionKind.SNDBUF;
      case 6 -> SocketOptionKind.RCVBUF;
      case 7 -> SocketOptionKind.KEEPALIVE;
      case 9 -> SocketOptionKind.LINGER;
      case 11 -> SocketOptionKind.RCVTIMEO;
      case 12 -> SocketOptionKind.SNDTIMEO;
      case 13 -> SocketOptionKind.ACCEPTCONN;
      default -> throw new ErrnoException(Errno.ENOPROTOOPT, "SOL_SOCKET option " + name);
    };
  }

  private static int size(SocketOptionKind kind) {
    return switch (kind) {
      case LINGER -> LINGER_SIZE;
      case RCVTIMEO, SNDTIMEO -> TIMEVAL_SIZE;
      default -> INT_SIZE;
    };
  }
}
