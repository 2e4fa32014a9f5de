package dev.wasisockets.core;

import dev.wasisockets.core.events.SocketReceiveEvent;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * The receive contract every receive import shares ({@code sock_recv}, {@code fd_read} on a socket,
 * WasmEdge's {@code sock_recv_from}): a stream receive returns what one read brings, or with
 * MSG_WAITALL keeps reading until the buffers are full or the stream ends, and returns what arrived
 * so far when a non-blocking socket has no more (EAGAIN only when nothing came); a datagram is
 * received whole and cut to the buffers, which the receive then reports as truncated. Buffers that
 * cannot be read into in place, and every datagram, go through one reusable 64 KiB chunk. One per
 * guest instance; one receive at a time.
 */
public final class SocketReceiver {
  private static final int CHUNK = 64 * 1024; // a UDP payload's maximum fits

  private final byte[] chunk = new byte[CHUNK];
  private final ByteBuffer chunkBuffer = ByteBuffer.wrap(chunk);
  // What the last receive found out besides the bytes: read right after the call.
  private boolean truncated;
  private InetSocketAddress source;

  /**
   * Receives into {@code target}; returns the count received, 0 at the end of a stream. Every guest
   * receive comes here, so its event is committed here: one per guest call, spanning every read a
   * MSG_WAITALL takes.
   */
  public int receive(GuestSocket socket, ReceiveTarget target, boolean waitAll) {
    SocketReceiveEvent event = new SocketReceiveEvent();
    event.begin();
    long capacity = target.capacity();
    truncated = false;
    source = null;
    int received = 0;
    Errno failure = null;
    try {
      received =
          socket instanceof UdpSocket udp
              ? receiveDatagram(udp, target, capacity)
              : receiveStream(socket, target, capacity, waitAll);
      return received;
    } catch (ErrnoException e) {
      failure = e.errno();
      throw e;
    } finally {
      if (event.shouldCommit()) {
        socket.describeTo(event);
        if (source != null) {
          GuestSocket.describeRemote(event, source); // a datagram's sender
        }
        event.bytesAsked = capacity;
        event.bytesReceived = received;
        event.endOfStream = failure == null && received == 0 && capacity > 0 && source == null;
        event.truncated = truncated;
        event.errno = failure == null ? null : failure.name();
        event.commit();
      }
    }
  }

  private int receiveStream(
      GuestSocket socket, ReceiveTarget target, long capacity, boolean waitAll) {
    long total = 0;
    while (total < capacity) {
      ByteBuffer inPlace = target.inPlace(total);
      ByteBuffer into =
          inPlace != null
              ? inPlace
              : chunkBuffer.clear().limit((int) Math.min(CHUNK, capacity - total));
      int n;
      try {
        n = socket.read(into);
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
        target.copyIn(total, chunk, n);
      }
      total += n;
      if (!waitAll) {
        break;
      }
    }
    return (int) total;
  }

  /** Whether the last receive cut a datagram short. */
  public boolean truncated() {
    return truncated;
  }

  /** The sender of the last datagram received, or null after a stream receive. */
  public InetSocketAddress source() {
    return source;
  }

  /** One whole datagram into the chunk, then as much as the buffers take. */
  private int receiveDatagram(UdpSocket socket, ReceiveTarget target, long capacity) {
    chunkBuffer.clear();
    source = socket.receiveFrom(chunkBuffer);
    int length = chunkBuffer.position();
    int copied = (int) Math.min(length, capacity);
    target.copyIn(0, chunk, copied);
    truncated = copied < length;
    return copied;
  }
}
