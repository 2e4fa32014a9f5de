package dev.wasisockets.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * Bytes for, or from, the connection {@code id}: a {@code send} on the way in, {@code data} on the
 * way out. The gateway's byte path, so that a chunk crosses it as a buffer slice, not as copies in
 * a {@code Request.Send} or {@code Event.Data}; whoever holds one releases it.
 */
final class SocketBytes extends DefaultByteBufHolder {
  private final long id;
  private final boolean headerRoom;

  SocketBytes(long id, ByteBuf bytes) {
    this(id, bytes, false);
  }

  /**
   * With {@code headerRoom}, the {@link
   * dev.wasisockets.wasmnet.protocol.BinaryFraming#HEADER_BYTES} before the buffer's reader index
   * are this holder's to write a header into ({@link PeerReads}).
   */
  SocketBytes(long id, ByteBuf bytes, boolean headerRoom) {
    super(bytes);
    this.id = id;
    this.headerRoom = headerRoom;
  }

  long id() {
    return id;
  }

  boolean headerRoom() {
    return headerRoom;
  }
}
