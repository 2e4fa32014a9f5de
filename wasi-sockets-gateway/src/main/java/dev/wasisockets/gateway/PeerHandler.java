package dev.wasisockets.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The end of a peer channel's pipeline common to connections and UDP sockets: tells the session
 * when the peer is gone or failed, and when the peer's outbound buffer fills up or drains.
 * Subclasses read the peer's messages.
 */
abstract class PeerHandler extends ChannelInboundHandlerAdapter {
  final GatewaySession session;
  final SessionSocket socket;
  private boolean blocked;

  PeerHandler(GatewaySession session, SessionSocket socket) {
    this.session = session;
    this.socket = socket;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    unblock();
    session.peerGone(socket, null);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    session.peerGone(socket, cause);
    ctx.close();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    boolean nowBlocked = !ctx.channel().isWritable();
    if (nowBlocked != blocked) {
      blocked = nowBlocked;
      session.peerBlocked(blocked);
    }
    ctx.fireChannelWritabilityChanged();
  }

  /** Forgets a full outbound buffer: the channel is going away. */
  void unblock() {
    if (blocked) {
      blocked = false;
      session.peerBlocked(false);
    }
  }

  /** Stops reading from the peer again when the client has fallen behind. */
  void keepPace(ChannelHandlerContext ctx) {
    if (!session.clientWritable()) {
      ctx.channel().config().setAutoRead(false);
    }
  }
}
