package dev.wasisockets.gateway;

import dev.wasisockets.address.IpLiteral;
import dev.wasisockets.wasmnet.protocol.Event;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;

/**
 * A UDP socket of the session, on an ephemeral port: {@code send} goes to the target it was opened
 * with, {@code send_to} anywhere the policy allows, and every datagram that arrives is a {@code
 * data_from} event.
 */
final class SessionUdpSocket extends SessionSocket {
  private final GatewaySession session;
  private InetSocketAddress target;

  SessionUdpSocket(long id, GatewaySession session) {
    super(id);
    this.session = session;
  }

  PeerHandler receiver() {
    return new Receiver();
  }

  void attach(Channel channel, InetSocketAddress target) {
    this.channel = channel;
    this.target = target;
    readFromPeer(session.clientWritable());
  }

  int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  boolean sendToTarget(byte[] data) {
    return sendTo(target, data);
  }

  /** Sends one datagram; false while the socket is not bound yet. */
  boolean sendTo(InetSocketAddress destination, byte[] data) {
    if (channel == null) {
      return false;
    }
    session.tally().sentToPeer(data.length); // as handed over, as a connection's bytes are
    channel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(data), destination));
    return true;
  }

  private final class Receiver extends PeerHandler {
    Receiver() {
      super(SessionUdpSocket.this.session, SessionUdpSocket.this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      DatagramPacket packet = (DatagramPacket) msg;
      try {
        InetSocketAddress sender = packet.sender();
        session.tally().receivedFromPeer(packet.content().readableBytes());
        session.emit(
            new Event.DataFrom(
                id(),
                IpLiteral.format(sender.getAddress()),
                sender.getPort(),
                ByteBufUtil.getBytes(packet.content())));
      } finally {
        packet.release();
      }
      keepPace(ctx);
    }
  }
}
