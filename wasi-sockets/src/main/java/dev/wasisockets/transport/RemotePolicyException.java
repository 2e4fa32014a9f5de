package dev.wasisockets.transport;

import java.io.IOException;

/**
 * The far end of a transport (a wasmnet server) refused an operation under its own policy. The
 * guest sees EACCES, as for a denial by the local policy.
 */
public final class RemotePolicyException extends IOException {
  private static final long serialVersionUID = 1L;

  public RemotePolicyException(String message) {
    super(message);
  }
}
