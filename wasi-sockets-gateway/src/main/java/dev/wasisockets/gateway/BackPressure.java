package dev.wasisockets.gateway;

import io.netty.channel.Channel;

/**
 * One session's back-pressure, so that no buffer of the gateway grows without bound: the side that
 * sends faster than the other reads is no longer read, and TCP's flow control holds it back.
 *
 * <ul>
 *   <li>While the client's WebSocket cannot take more (Netty's write buffer over its high water
 *       mark: the client reads slower than the peers send), no peer is read, and neither is the
 *       client, since each request may be answered: a client that never reads fills its own socket,
 *       not the gateway's memory.
 *   <li>While any peer's socket cannot take more (the peer reads slower than the client sends), the
 *       client is not read.
 * </ul>
 *
 * Beyond the water mark, at most one read per peer (at most 64 KiB, {@link PeerReads}) and the
 * requests of one read from the client are in flight. Touched on the session's event loop only,
 * which runs the WebSocket and every peer channel of the session.
 */
final class BackPressure {
  private final Channel client;
  private final SocketTable sockets;
  private int blockedPeers;

  BackPressure(Channel client, SocketTable sockets) {
    this.client = client;
    this.sockets = sockets;
  }

  /** The client's WebSocket filled up or drained: pause or resume every peer, and the client. */
  void clientWritabilityChanged() {
    boolean writable = client.isWritable();
    sockets.forEach(socket -> socket.readFromPeer(writable));
    readFromClient();
  }

  /** A peer's outbound buffer filled up ({@code blocked}) or drained. */
  void peerBlocked(boolean blocked) {
    blockedPeers += blocked ? 1 : -1;
    readFromClient();
  }

  /**
   * After each message from the client: one read may hold many requests, whose answers may fill the
   * WebSocket, and the bandwidth shaper turns reading back on when its delay ends.
   */
  void afterClientMessage() {
    if (blockedPeers > 0 || !client.isWritable()) {
      client.config().setAutoRead(false);
    }
  }

  /**
   * Whether peers may be read now: a socket that opens starts reading only if so, and a peer stops
   * again after a read that found the client behind.
   */
  boolean clientWritable() {
    return client.isWritable();
  }

  /** Reads from the client only while every peer and the client's WebSocket can take more. */
  private void readFromClient() {
    client.config().setAutoRead(blockedPeers == 0 && client.isWritable());
  }
}
