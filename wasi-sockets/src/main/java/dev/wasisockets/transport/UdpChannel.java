package dev.wasisockets.transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/** A UDP socket as a transport provides it. No method blocks. */
public interface UdpChannel extends TransportChannel {

  /** Binds the local end (an address the policy has already allowed). */
  void bind(InetSocketAddress local) throws IOException;

  /**
   * Sets the default peer, replacing any earlier one: sends without an address go there, and only
   * its datagrams arrive.
   */
  void connect(InetSocketAddress remote) throws IOException;

  /** The default peer, or null. */
  InetSocketAddress remoteAddress() throws IOException;

  /**
   * Receives one datagram into {@code dst} (what does not fit is lost) and returns its sender, or
   * null if none is waiting.
   */
  InetSocketAddress receive(ByteBuffer dst) throws IOException;

  /**
   * Sends {@code src} as one datagram to {@code target} (an address the policy has already
   * allowed): the count sent, or 0 if there is no room now.
   */
  int send(ByteBuffer src, InetSocketAddress target) throws IOException;
}
