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

  SocketBytes(long id, ByteBuf bytes) {
    super(bytes);
    this.id = id;
  }

  long id() {
    return id;
  }
}
