package dev.wasisockets.transport;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;

/**
 * Where guest sockets really go: OS sockets ({@code direct}), a tunnel to a wasmnet server, or an
 * in-process network. The core drives every transport the same way: channels never block, and a
 * blocking guest call waits in {@link TcpChannel#awaitReady}.
 *
 * <p>A transport serves one guest instance; its channels are used from the guest's thread. Policy
 * is not a transport's concern: the core checks every address before it gets here.
 */
public interface Transport extends Closeable {

  /** A new, unconnected TCP channel for {@code family} (INET or INET6). */
  TcpChannel openTcp(StandardProtocolFamily family) throws IOException;
}
