package dev.wasisockets.gateway;

import dev.wasisockets.wasmnet.Event;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A TCP (or TLS) connection of the session: bytes the client sends go to the peer, bytes the peer
 * sends come back as {@code data} events.
 */
final class SessionConnection implements SessionSocket {
  private final long id;
  private final GatewaySession session;
  private Channel channel;
  private InetSocketAddress poolKey;
  private boolean exchanged;

  SessionConnection(long id, GatewaySession session) {
    this.id = id;
    this.session = session;
  }

  @Override
  public long id() {
    return id;
  }

  /**
   * Ends the peer channel's pipeline with the handler that relays what the peer sends, behind an
   * idle timer when the policy limits idle time.
   */
  void relayOn(ChannelPipeline pipeline) {
    Duration idle = session.limits().idleTimeout();
    if (!idle.isZero()) {
      pipeline.addLast(new IdleStateHandler(0, 0, idle.toMillis(), TimeUnit.MILLISECONDS));
    }
    pipeline.addLast(new Relay());
  }

  /**
   * The connection is up on {@code channel}. {@code poolKey} is the address it was dialed to when
   * it may go back to the pool, else null.
   */
  void attach(Channel channel, InetSocketAddress poolKey) {
    this.channel = channel;
    this.poolKey = poolKey;
    readFromPeer(session.clientWritable());
  }

  /** For tests: the peer channel, null while dialing. */
  Channel channelForTest() {
    return channel;
  }

  /** Writes {@code data} to the peer; false when not connected yet. */
  boolean send(byte[] data) {
    if (channel == null) {
      return false;
    }
    exchanged = true;
    channel.writeAndFlush(Unpooled.wrappedBuffer(data));
    return true;
  }

  @Override
  public void readFromPeer(boolean on) {
    if (channel != null) {
      channel.config().setAutoRead(on);
    }
  }

  @Override
  public void close() {
    // Still dialing: the session closes the channel when the dial completes for a socket it no
    // longer has.
    if (channel != null) {
      channel.close();
    }
  }

  /**
   * Closes the connection for the client, or pools it when no byte has crossed it either way, so
   * that a later connect to the same address takes it as if freshly dialed.
   */
  void closeOrPool() {
    if (channel != null && poolKey != null && !exchanged && channel.isActive()) {
      ChannelPipeline pipeline = channel.pipeline();
      pipeline.get(Relay.class).unblock();
      pipeline.remove(Relay.class);
      if (pipeline.get(IdleStateHandler.class) != null) {
        pipeline.remove(IdleStateHandler.class); // the pool has its own idle time
      }
      if (session.pool().offer(poolKey, channel)) {
        return;
      }
    }
    close();
  }

  private final class Relay extends PeerHandler {
    Relay() {
      super(SessionConnection.this.session, SessionConnection.this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf bytes = (ByteBuf) msg;
      try {
        exchanged = true;
        session.emit(new Event.Data(id, ByteBufUtil.getBytes(bytes)));
      } finally {
        bytes.release();
      }
      keepPace(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof IdleStateEvent) {
        session.failed(
            SessionConnection.this,
            "idle for " + session.limits().idleTimeout().toMillis() + " ms: closed");
        ctx.close();
      } else if (event instanceof SslHandshakeCompletionEvent handshake) {
        if (handshake.isSuccess()) {
          session.connected(SessionConnection.this, ctx.channel(), null);
        } else {
          session.failed(
              SessionConnection.this, "TLS handshake failed: " + handshake.cause().getMessage());
          ctx.close();
        }
      }
      ctx.fireUserEventTriggered(event);
    }
  }
}
