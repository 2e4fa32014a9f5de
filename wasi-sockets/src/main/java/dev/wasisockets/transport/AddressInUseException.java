package dev.wasisockets.transport;

import java.net.BindException;

/**
 * The address is the host's but its port is taken (EADDRINUSE). A transport that knows this says so
 * by this type: the JDK reports an address in use and one that is not the host's alike (a plain
 * {@link BindException}), and the core can only tell those apart by asking the OS about the
 * address, which knows nothing of a virtual network's addresses.
 */
public final class AddressInUseException extends BindException {
  private static final long serialVersionUID = 1L;

  public AddressInUseException(String message) {
    super(message);
  }
}
