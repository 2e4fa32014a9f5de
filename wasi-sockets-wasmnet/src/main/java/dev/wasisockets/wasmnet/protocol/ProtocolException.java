package dev.wasisockets.wasmnet.protocol;

/**
 * A frame that is not a valid wasmnet message. {@link #id} is the id it carried, or 0 when it was
 * too broken to read one: the peer answers with an {@code error} event for that id.
 */
public final class ProtocolException extends Exception {
  private final long id;

  public ProtocolException(long id, String message) {
    super(message);
    this.id = id;
  }

  public long id() {
    return id;
  }
}
