package dev.wasisockets.transport;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;

/**
 * Any channel a transport provides. Channels never block; the core waits for them with {@link
 * Transport#await}, so one guest thread can wait on all of its sockets at once.
 */
public interface TransportChannel extends Closeable {

  <T> void setOption(SocketOption<T> option, T value) throws IOException;

  <T> T getOption(SocketOption<T> option) throws IOException;

  /** The bound local address, or null while unbound. */
  InetSocketAddress localAddress() throws IOException;
}
