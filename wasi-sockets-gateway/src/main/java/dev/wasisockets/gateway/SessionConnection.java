package dev.wasisockets.gateway;

import dev.wasisockets.wasmnet.frames.SocketBytes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A TCP (or TLS) connection of the session: bytes the client sends go to the peer, bytes the peer
 * sends come back as {@code data} events.
 *
 * <p>The client's {@code close} ends its side only, as wasmnet's does: the peer gets end of stream
 * once what was sent has gone out, and its own bytes keep coming back until it closes too ({@code
 * closed}). That is how a client half-closes (a guest's {@code shutdown(SHUT_WR)}); a peer that
 * never closes is let go {@link #LINGER} later. TLS connections close at once.
 */
final class SessionConnection extends SessionSocket {
  static final Duration LINGER = Duration.ofSeconds(60);

  private final GatewaySession session;
  private InetSocketAddress poolKey;
  private boolean exchanged;
  private boolean clientDone;
  private boolean peerDone;

  SessionConnection(long id, GatewaySession session) {
    super(id);
    this.session = session;
  }

  /**
   * Ends the peer channel's pipeline with the handler that relays what the peer sends, behind an
   * idle timer when the policy limits idle time.
   */
  void relayOn(ChannelPipeline pipeline) {
    if (pipeline.get(SslHandler.class) == null) {
      // Plain TCP: the peer's end of stream is news for the client, not the end of the socket.
      pipeline.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    }
    Duration idle = session.limits().idleTimeout();
    if (!idle.isZero()) {
      pipeline.addLast(new IdleStateHandler(0, 0, idle.toMillis(), TimeUnit.MILLISECONDS));
    }
    // Straight from the socket, with no TLS in between, reads are PeerReads' buffers.
    pipeline.addLast(new Relay(pipeline.get(SslHandler.class) == null));
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

  /** Whether the client has closed its side: it may send no more. */
  boolean clientDone() {
    return clientDone;
  }

  /** Whether the peer has closed its side, and the client was told ({@code closed}). */
  boolean peerDone() {
    return peerDone;
  }

  /** Writes {@code data} to the peer, which it then owns; false (and released) while dialing. */
  boolean send(ByteBuf data) {
    if (channel == null) {
      data.release();
      return false;
    }
    exchanged = true;
    // Counted as handed to the peer's socket: a listener per write would cost the byte path an
    // allocation and a callback for an access-log figure.
    session.tally().sentToPeer(data.readableBytes());
    channel.writeAndFlush(data);
    return true;
  }

  /**
   * Ends the client's side of a plain TCP connection that carried bytes while the peer's side is
   * open: end of stream to the peer after what is queued, and the relay goes on. False when the
   * connection should close (or be pooled) at once instead.
   */
  boolean endClientSide() {
    boolean poolable = poolKey != null && !exchanged;
    if (channel == null
        || !channel.isActive()
        || poolable
        || peerDone
        || !(channel instanceof DuplexChannel duplex)
        || channel.pipeline().get(SslHandler.class) != null) {
      return false;
    }
    clientDone = true;
    // Shutting the output fails writes still queued: let them go out first (writes are ordered).
    channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> duplex.shutdownOutput());
    Channel lingering = channel;
    channel
        .eventLoop()
        .schedule(
            () -> {
              lingering.close();
            },
            LINGER.toMillis(),
            TimeUnit.MILLISECONDS);
    return true;
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
    private final boolean readsHaveHeaderRoom;

    Relay(boolean readsHaveHeaderRoom) {
      super(SessionConnection.this.session, SessionConnection.this);
      this.readsHaveHeaderRoom = readsHaveHeaderRoom;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      exchanged = true;
      ByteBuf bytes = (ByteBuf) msg;
      session.tally().receivedFromPeer(bytes.readableBytes());
      session.emit(new SocketBytes(id(), bytes, readsHaveHeaderRoom));
      keepPace(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event == ChannelInputShutdownEvent.INSTANCE) {
        peerDone = true;
        session.peerFinished(SessionConnection.this);
      } else if (event instanceof IdleStateEvent) {
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
