package dev.wasisockets.transport;

import java.net.SocketException;

/**
 * The connection is gone: the peer reset it, or the transport lost the link it ran on. The guest
 * sees ECONNRESET. Transports say so by this type, never by a message the core would have to read.
 */
public final class ConnectionResetException extends SocketException {
  private static final long serialVersionUID = 1L;

  public ConnectionResetException(String message) {
    super(message);
  }
}
