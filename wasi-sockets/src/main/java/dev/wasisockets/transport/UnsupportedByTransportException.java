package dev.wasisockets.transport;

import java.net.SocketException;

/** The transport cannot do this at all (a wasmnet socket choosing its local address): ENOTSUP. */
public final class UnsupportedByTransportException extends SocketException {
  private static final long serialVersionUID = 1L;

  public UnsupportedByTransportException(String message) {
    super(message);
  }
}
