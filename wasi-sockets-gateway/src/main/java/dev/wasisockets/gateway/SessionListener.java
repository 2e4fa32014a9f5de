package dev.wasisockets.gateway;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;

/** A TCP listener of the session; each connection it accepts becomes a session connection. */
final class SessionListener extends SessionSocket {
  private long accepted;

  SessionListener(long id) {
    super(id);
  }

  void attach(Channel channel) {
    this.channel = channel;
  }

  /** The bound port, or 0 while binding. */
  int port() {
    return channel == null ? 0 : ((InetSocketAddress) channel.localAddress()).getPort();
  }

  long nextAcceptNumber() {
    return ++accepted;
  }

  /** Accepted connections are paused with the session's other peers; the listener itself is not. */
  @Override
  void readFromPeer(boolean on) {}
}
