package dev.wasisockets.gateway;

import io.netty.channel.Channel;

/**
 * A socket a session opened (or a listener accepted) for its client, named by the client's id, on a
 * peer channel once it is open.
 */
abstract class SessionSocket {
  private final long id;

  /** The peer channel; null while the socket is being opened. */
  Channel channel;

  SessionSocket(long id) {
    this.id = id;
  }

  final long id() {
    return id;
  }

  /**
   * Lets the socket's peer send more, or stops reading from it: the session's back-pressure, off
   * while the client's WebSocket cannot take more.
   */
  void readFromPeer(boolean on) {
    if (channel != null) {
      channel.config().setAutoRead(on);
    }
  }

  /**
   * Lets the socket go, quietly: whoever calls this tells the client, if anyone should. One still
   * opening is closed by whoever finishes opening it, once it finds the session no longer has it.
   */
  void close() {
    if (channel != null) {
      channel.close();
    }
  }
}
