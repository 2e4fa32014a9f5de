package dev.wasisockets.wasmnet.frames;

import dev.wasisockets.wasmnet.protocol.BinaryFraming;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * Bytes for, or from, the connection {@code id}: a {@code send} or a {@code data} message's payload
 * as a buffer, not as the byte array in a {@code Request.Send} or {@code Event.Data}. The byte path
 * of both ends of a wasmnet link, so that a chunk crosses it as a slice of the frame it came in (or
 * of the buffer a peer's bytes were read into), never as copies; whoever holds one releases it.
 */
public final class SocketBytes extends DefaultByteBufHolder {
  private final long id;
  private final boolean headerRoom;

  public SocketBytes(long id, ByteBuf bytes) {
    this(id, bytes, false);
  }

  /**
   * With {@code headerRoom}, the {@link BinaryFraming#HEADER_BYTES} before the buffer's reader
   * index are this holder's to write a binary header into, so the buffer becomes its frame.
   */
  public SocketBytes(long id, ByteBuf bytes, boolean headerRoom) {
    super(bytes);
    this.id = id;
    this.headerRoom = headerRoom;
  }

  public long id() {
    return id;
  }

  public boolean headerRoom() {
    return headerRoom;
  }
}
