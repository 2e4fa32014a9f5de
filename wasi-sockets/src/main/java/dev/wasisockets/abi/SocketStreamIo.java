package dev.wasisockets.abi;

import dev.wasisockets.core.Errno;
import dev.wasisockets.core.ErrnoException;
import dev.wasisockets.core.GuestSocket;
import dev.wasisockets.core.ReceiveTarget;
import dev.wasisockets.core.SocketReceiver;
import dev.wasisockets.core.UdpSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * Moves bytes between guest iovecs and a socket, for {@code sock_send}/{@code sock_recv}, {@code
 * fd_write}/{@code fd_read} and WasmEdge's datagram calls alike: decodes the iovecs, hands them to
 * the socket, or to the {@link SocketReceiver} as a {@link ReceiveTarget}, and writes the results.
 * With a {@link DirectMemory} the socket reads into and writes from guest memory in place, through
 * views reused from call to call; with any other memory a send copies the guest's buffers and a
 * receive copies in from the receiver's chunk. A socket holds no buffer of its own while idle.
 */
final class SocketStreamIo {
  private static final int RECV_PEEK = 1;
  private static final int RECV_WAITALL = 2;
  private static final int RECV_DATA_TRUNCATED = 1;

  private final MemoryViews views = new MemoryViews();
  private final SocketReceiver receiver = new SocketReceiver();
  private final Iovecs iovecs = new Iovecs();

  /** Writes the guest buffers a ciovec array names; returns the count written. */
  int send(GuestMemory memory, GuestSocket socket, int iovs, int count) {
    return (int) socket.write(IoVectors.gather(memory, iovs, count, views));
  }

  /**
   * Reads into the guest buffers an iovec array names; returns the count read, 0 at end of stream
   * ({@link SocketReceiver#receive}).
   */
  int receive(GuestMemory memory, GuestSocket socket, int iovs, int count, boolean waitAll) {
    return receiver.receive(socket, iovecs.aim(memory, iovs, count), waitAll);
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
    memory.writeU16(roFlagsPtr, receiver.truncated() ? RECV_DATA_TRUNCATED : 0);
  }

  /** Whether the last receive cut a datagram short (roflags RECV_DATA_TRUNCATED). */
  boolean truncated() {
    return receiver.truncated();
  }

  /** The sender of the last datagram received, or null after a stream receive. */
  InetSocketAddress source() {
    return receiver.source();
  }

  /** Sends the guest buffers as one datagram to {@code target}; returns the count sent. */
  int sendTo(GuestMemory memory, UdpSocket socket, int iovs, int count, InetSocketAddress target) {
    return socket.sendTo(IoVectors.gather(memory, iovs, count, views), target);
  }

  /**
   * An iovec array as a receive's target, aimed anew for each call (so a receive allocates
   * nothing): in place in a {@link DirectMemory}, else copied into.
   */
  private final class Iovecs implements ReceiveTarget {
    private GuestMemory memory;
    private int iovs;
    private int count;
    private long capacity;
    private ByteBuffer inPlace;

    /** Checks the array and every buffer it names (EFAULT, EINVAL) before any byte moves. */
    Iovecs aim(GuestMemory memory, int iovs, int count) {
      this.capacity = IoVectors.capacity(memory, iovs, count);
      this.memory = memory;
      this.iovs = iovs;
      this.count = count;
      this.inPlace = memory.inPlace();
      return this;
    }

    @Override
    public long capacity() {
      return capacity;
    }

    @Override
    public ByteBuffer inPlace(long offset) {
      return inPlace == null ? null : IoVectors.window(memory, iovs, offset, views.one(inPlace));
    }

    @Override
    public void copyIn(long offset, byte[] bytes, int length) {
      IoVectors.scatter(memory, iovs, count, offset, bytes, length);
    }
  }
}
