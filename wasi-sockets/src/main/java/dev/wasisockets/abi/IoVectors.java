package dev.wasisockets.abi;

import dev.wasisockets.core.Errno;
import dev.wasisockets.core.ErrnoException;
import java.nio.ByteBuffer;

/**
 * WASI iovec arrays: {@code (buf: u32, buf_len: u32)} pairs, 8 bytes each (abi.md §2.2), as used by
 * {@code fd_read}/{@code fd_write} and {@code sock_recv}/{@code sock_send}.
 */
final class IoVectors {
  /** POSIX IOV_MAX on Linux: more vectors than this is EINVAL, as for {@code writev}. */
  static final int MAX_VECTORS = 1024;

  private static final int IOVEC_SIZE = 8;

  private IoVectors() {}

  /**
   * The guest buffers that a ciovec array names, in order, for a gathering write: {@code views} of
   * guest memory itself when it is a {@link DirectMemory}, else copies. Every buffer is checked
   * before any is returned, so a bad one sends nothing.
   */
  static ByteBuffer[] gather(GuestMemory memory, int iovs, int count, MemoryViews views) {
    checkArray(memory, iovs, count);
    ByteBuffer inPlace = memory.inPlace();
    ByteBuffer[] buffers = inPlace != null ? views.of(inPlace, count) : new ByteBuffer[count];
    for (int i = 0; i < count; i++) {
      int entry = iovs + i * IOVEC_SIZE;
      int address = memory.readI32(entry);
      int length = memory.readI32(entry + 4);
      if (inPlace != null) {
        memory.check(address, Integer.toUnsignedLong(length));
        MemoryViews.aim(buffers[i], address, length);
      } else {
        buffers[i] = ByteBuffer.wrap(memory.read(address, length));
      }
    }
    return buffers;
  }

  /**
   * The part of the buffers an iovec array names that starts {@code skip} bytes into them and runs
   * to the end of the buffer it falls in, as {@code view} of guest memory; the array must have been
   * checked ({@link #capacity}) and {@code skip} be less than its capacity.
   */
  static ByteBuffer window(GuestMemory memory, int iovs, long skip, ByteBuffer view) {
    for (int entry = iovs; ; entry += IOVEC_SIZE) {
      long bufferLength = Integer.toUnsignedLong(memory.readI32(entry + 4));
      if (skip < bufferLength) {
        int address = memory.readI32(entry) + (int) skip;
        return MemoryViews.aim(view, address, (int) (bufferLength - skip));
      }
      skip -= bufferLength;
    }
  }

  /**
   * The total length of the buffers an iovec array names, after checking that each lies in guest
   * memory; EINVAL if it exceeds what one call can return (a signed 32-bit count).
   */
  static long capacity(GuestMemory memory, int iovs, int count) {
    checkArray(memory, iovs, count);
    long total = 0;
    for (int i = 0; i < count; i++) {
      int entry = iovs + i * IOVEC_SIZE;
      long length = Integer.toUnsignedLong(memory.readI32(entry + 4));
      memory.check(memory.readI32(entry), length);
      total += length;
    }
    if (total > Integer.MAX_VALUE) {
      throw new ErrnoException(Errno.EINVAL, "iovecs total more than 2 GiB");
    }
    return total;
  }

  /**
   * Copies {@code length} bytes of {@code source} into the buffers an iovec array names, starting
   * {@code skip} bytes into them (so a long read can fill them chunk by chunk).
   */
  static void scatter(
      GuestMemory memory, int iovs, int count, long skip, byte[] source, int length) {
    int copied = 0;
    for (int i = 0; i < count && copied < length; i++) {
      int entry = iovs + i * IOVEC_SIZE;
      int address = memory.readI32(entry);
      long bufferLength = Integer.toUnsignedLong(memory.readI32(entry + 4));
      if (skip >= bufferLength) {
        skip -= bufferLength;
        continue;
      }
      int n = (int) Math.min(bufferLength - skip, length - copied);
      memory.write(address + (int) skip, source, copied, n);
      copied += n;
      skip = 0;
    }
  }

  private static void checkArray(GuestMemory memory, int iovs, int count) {
    if (count < 0 || count > MAX_VECTORS) {
      throw new ErrnoException(Errno.EINVAL, "iovec count " + count + " is not 0.." + MAX_VECTORS);
    }
    memory.check(iovs, (long) count * IOVEC_SIZE);
  }
}
