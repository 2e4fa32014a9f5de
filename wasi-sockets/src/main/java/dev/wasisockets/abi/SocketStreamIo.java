package dev.wasisockets.abi;

import dev.wasisockets.core.Errno;
import dev.wasisockets.core.ErrnoException;
import dev.wasisockets.core.GuestSocket;
import dev.wasisockets.core.UdpSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * Moves stream bytes between guest iovecs and a socket, for {@code sock_send}/{@code sock_recv} and
 * {@code fd_write}/{@code fd_read} alike. With a {@link DirectMemory} the socket reads into and
 * writes from guest memory in place, through views reused from call to call; with any other memory
 * a send copies the guest's buffers and a read goes through one reusable chunk per guest instance
 * (as every datagram does). A socket holds no buffer of its own while idle.
 */
final class SocketStreamIo {
  private static final int CHUNK = 64 * 1024;
  private static final int RECV_PEEK = 1;
  private static final int RECV_WAITALL = 2;
  private static final int RECV_DATA_TRUNCATED = 1;

  private final byte[] chunk = new byte[CHUNK];
  private final ByteBuffer chunkBuffer = ByteBuffer.wrap(chunk);
  private final MemoryViews views = new MemoryViews();
  // What the last receive found out besides the bytes: read right after the call.
  private boolean truncated;
  private InetSocketAddress source;

  /** Writes the guest buffers a ciovec array names; returns the count written. */
  int send(GuestMemory memory, GuestSocket socket, int iovs, int count) {
    return (int) socket.write(IoVectors.gather(memory, iovs, count, views));
  }

  /**
   * Reads into the guest buffers an iovec array names; returns the count read, 0 at end of stream.
   * Without {@code waitAll} it returns what one read brings (up to the end of the first buffer, or
   * 64 KiB through the chunk, as a short read may); with it, it keeps reading until the buffers are
   * full or the stream ends (MSG_WAITALL).
   */
  int receive(GuestMemory memory, GuestSocket socket, int iovs, int count, boolean waitAll) {
    long capacity = IoVectors.capacity(memory, iovs, count);
    truncated = false;
    source = null;
    if (socket instanceof UdpSocket udp) {
      return receiveDatagram(memory, udp, iovs, count, capacity);
    }
    ByteBuffer inPlace = memory.inPlace();
    long total = 0;
    while (total < capacity) {
      ByteBuffer target =
          inPlace != null
              ? IoVectors.window(memory, iovs, total, views.one(inPlace))
              : chunkBuffer.clear().limit((int) Math.min(CHUNK, capacity - total));
      int n;
      try {
        n = socket.read(target);
      } catch (ErrnoException e) {
        if (total > 0 && e.errno() == Errno.EAGAIN) {
          break; // non-blocking MSG_WAITALL: what arrived so far
        }
        throw e;
      }
      if (n == 0) {
        break;
      }
      if (inPlace == null) {
        IoVectors.scatter(memory, iovs, count, total, chunk, n);
      }
      total += n;
      if (!waitAll) {
        break;
      }
    }
    return (int) total;
  }

  /**
   * {@code sock_recv}'s contract, shared by every receive import: the out-pointers are checked
   * before any byte moves (so a bad one loses no data), riflags WAITALL is honoured on streams and
   * PEEK is ENOTSUP, then the count (u32) and roflags (exactly 2 bytes) are written.
   */
  void receiveInto(
      GuestMemory memory,
      GuestSocket socket,
      int iovs,
      int count,
      int riFlags,
      int receivedPtr,
      int roFlagsPtr) {
    memory.check(receivedPtr, 4);
    memory.check(roFlagsPtr, 2);
    if ((riFlags & RECV_PEEK) != 0) {
      throw new ErrnoException(Errno.ENOTSUP, "MSG_PEEK is not supported yet");
    }
    if ((riFlags & ~RECV_WAITALL) != 0) {
      throw new ErrnoException(Errno.ENOTSUP, "unknown riflags " + riFlags);
    }
    int received = receive(memory, socket, iovs, count, (riFlags & RECV_WAITALL) != 0);
    memory.writeI32(receivedPtr, received);
    memory.writeU16(roFlagsPtr, truncated ? RECV_DATA_TRUNCATED : 0);
  }

  /** Whether the last receive cut a datagram short (roflags RECV_DATA_TRUNCATED). */
  boolean truncated() {
    return truncated;
  }

  /** The sender of the last datagram received, or null after a stream receive. */
  InetSocketAddress source() {
    return source;
  }

  /** Sends the guest buffers as one datagram to {@code target}; returns the count sent. */
  int sendTo(GuestMemory memory, UdpSocket socket, int iovs, int count, InetSocketAddress target) {
    return socket.sendTo(IoVectors.gather(memory, iovs, count, views), target);
  }

  /** One whole datagram into the chunk, then as much as the guest's buffers take. */
  private int receiveDatagram(
      GuestMemory memory, UdpSocket socket, int iovs, int count, long capacity) {
    chunkBuffer.clear();
    source = socket.receiveFrom(chunkBuffer);
    int length = chunkBuffer.position();
    int copied = (int) Math.min(length, capacity);
    IoVectors.scatter(memory, iovs, count, 0, chunk, copied);
    truncated = copied < length;
    return copied;
  }
}
