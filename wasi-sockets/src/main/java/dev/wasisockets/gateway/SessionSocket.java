package dev.wasisockets.gateway;

/** A socket a session opened (or a listener accepted) for its client, named by the client's id. */
interface SessionSocket {
  long id();

  /**
   * Lets the socket's peer send more, or stops reading from it: the session's back-pressure, off
   * while the client's WebSocket cannot take more.
   */
  void readFromPeer(boolean on);

  /** Lets the socket go, quietly: whoever calls this tells the client, if anyone should. */
  void close();
}
