package dev.wasisockets.transport;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.util.List;

/**
 * Where guest sockets really go: OS sockets ({@code direct}), a tunnel to a wasmnet server, or an
 * in-process network. The core drives every transport the same way: channels never block, and a
 * guest call that must wait (a blocking read, {@code poll_oneoff}) waits in {@link #await}.
 *
 * <p>A transport serves one guest instance; its channels are used from the guest's thread. Policy
 * is not a transport's concern: the core checks every address before it gets here.
 */
public interface Transport extends Closeable {

  /** A new, unconnected TCP channel for {@code family} (INET or INET6). */
  TcpChannel openTcp(StandardProtocolFamily family) throws IOException;

  /** A new, unbound UDP channel for {@code family}. */
  UdpChannel openUdp(StandardProtocolFamily family) throws IOException;

  /**
   * The addresses {@code host} resolves to (a name the policy has already allowed), in the
   * resolver's order.
   *
   * @throws java.net.UnknownHostException if it resolves to nothing
   */
  List<InetAddress> resolve(String host) throws IOException;

  /** A TCP socket bound to {@code local} and listening, with room for {@code backlog} pending. */
  TcpListenerChannel listenTcp(InetSocketAddress local, int backlog) throws IOException;

  /**
   * Waits until at least one channel of {@code set} is ready for what is asked of it, or {@code
   * timeoutNanos} pass (negative: no limit; 0: just look). Records what is ready in the set and
   * returns how many entries are.
   *
   * @throws java.io.InterruptedIOException if the thread is interrupted while waiting
   */
  int await(ReadinessSet set, long timeoutNanos) throws IOException;
}
