package dev.wasisockets.gateway;

import dev.wasisockets.wasmnet.protocol.BinaryFraming;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;

/**
 * How a peer connection reads: into a buffer with {@link BinaryFraming#HEADER_BYTES} free before
 * the bytes, so that the binary {@code data} header can be written in front of them and the read
 * buffer itself becomes the frame's payload (no copy on the way to the client), and at most {@link
 * #MAX_READ_BYTES} at a time, so that the payload is at most 64 KiB. A frame just over 64 KiB is
 * the dearest size there is: the client's WebSocket decoder copies every payload into a buffer of
 * its size, and Netty's allocator pools buffers up to 64 KiB and allocates (and zeroes) a new one
 * for anything larger, which took a sixth of the client's CPU on a bulk receive.
 */
final class PeerReads implements RecvByteBufAllocator {
  /** The most a read takes: a data frame's payload, header included, fits 64 KiB. */
  static final int MAX_READ_BYTES = (64 << 10) - BinaryFraming.HEADER_BYTES;

  /** Netty's own sizing (grow after full reads, shrink after short ones), capped above. */
  private final AdaptiveRecvByteBufAllocator sizes = new AdaptiveRecvByteBufAllocator();

  @Override
  public Handle newHandle() {
    return new DelegatingHandle(sizes.newHandle()) {
      @Override
      public ByteBuf allocate(ByteBufAllocator alloc) {
        int capacity = BinaryFraming.HEADER_BYTES + Math.min(guess(), MAX_READ_BYTES);
        ByteBuf buffer = alloc.ioBuffer(capacity, capacity);
        return buffer
            .writerIndex(BinaryFraming.HEADER_BYTES)
            .readerIndex(BinaryFraming.HEADER_BYTES);
      }
    };
  }
}
