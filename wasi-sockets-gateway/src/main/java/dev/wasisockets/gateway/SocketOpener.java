package dev.wasisockets.gateway;

import dev.wasisockets.address.IpLiteral;
import dev.wasisockets.wasmnet.protocol.Event;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;

/**
 * Opens the real sockets of a session, once the policy allowed them, on the session's own event
 * loop: dials (or takes a pooled connection), binds listeners and UDP sockets.
 */
final class SocketOpener {
  private static final int DEFAULT_BACKLOG = 128;

  private final GatewaySession session;
  private final SessionContext context;

  SocketOpener(GatewaySession session, SessionContext context) {
    this.session = session;
    this.context = context;
  }

  /**
   * Connects to {@code address}; with TLS when {@code tlsHost} (the name to verify) is not null.
   */
  void dial(SessionConnection connection, InetSocketAddress address, String tlsHost) {
    ConnectionPool pool = context.pool();
    if (tlsHost == null && pool.enabled()) {
      pool.take(address, session.eventLoop())
          .addListener(
              (Future<Channel> taken) -> {
                Channel pooled = taken.getNow();
                if (pooled == null && session.owns(connection)) {
                  dialFresh(connection, address, null);
                } else if (pooled != null) {
                  connection.relayOn(pooled.pipeline());
                  session.connected(connection, pooled, address);
                }
              });
    } else {
      dialFresh(connection, address, tlsHost);
    }
  }

  private void dialFresh(SessionConnection connection, InetSocketAddress address, String tlsHost) {
    boolean poolable = tlsHost == null && context.pool().enabled();
    Bootstrap bootstrap =
        new Bootstrap()
            .group(session.eventLoop())
            .channel(NioSocketChannel.class)
            .option(ChannelOption.RCVBUF_ALLOCATOR, new PeerReads())
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, session.limits().connectTimeout().toMillis()))
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel channel) {
                    if (tlsHost != null) {
                      channel
                          .pipeline()
                          .addLast(
                              context
                                  .tls()
                                  .newHandler(channel.alloc(), tlsHost, address.getPort()));
                    }
                    // With TLS, the relay announces the connection once the handshake is done.
                    connection.relayOn(channel.pipeline());
                  }
                });
    bootstrap
        .connect(address)
        .addListener(
            (ChannelFuture dialed) -> {
              if (!dialed.isSuccess()) {
                session.failed(
                    connection,
                    "connect to "
                        + IpLiteral.format(address)
                        + " failed: "
                        + GatewaySession.describe(dialed.cause()));
              } else if (tlsHost == null) {
                session.connected(connection, dialed.channel(), poolable ? address : null);
              }
            });
  }

  /** Binds a TCP listener on {@code local} and listens at once, as wasmnet's bind does. */
  void listen(SessionListener listener, InetSocketAddress local) {
    int backlog = session.limits().maxPendingAccepts();
    new ServerBootstrap()
        .group(session.eventLoop())
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, backlog > 0 ? backlog : DEFAULT_BACKLOG)
        .childOption(ChannelOption.RCVBUF_ALLOCATOR, new PeerReads())
        .childHandler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel channel) {
                accept(listener, channel);
              }
            })
        .bind(local)
        .addListener(
            (ChannelFuture bound) -> {
              if (!bound.isSuccess()) {
                session.failed(
                    listener,
                    "bind to "
                        + IpLiteral.format(local)
                        + " failed: "
                        + GatewaySession.describe(bound.cause()));
              } else if (!session.owns(listener)) {
                bound.channel().close();
              } else {
                listener.attach(bound.channel());
                session.opened(new Event.Listening(listener.id(), listener.port()));
              }
            });
  }

  /** Binds an ephemeral UDP socket whose {@code send} goes to {@code target}. */
  void bindUdp(SessionUdpSocket socket, InetSocketAddress target) {
    new Bootstrap()
        .group(session.eventLoop())
        .channel(NioDatagramChannel.class)
        .handler(socket.receiver())
        .bind(new InetSocketAddress(0))
        .addListener(
            (ChannelFuture bound) -> {
              if (!bound.isSuccess()) {
                session.failed(
                    socket, "udp bind failed: " + GatewaySession.describe(bound.cause()));
              } else if (!session.owns(socket)) {
                bound.channel().close();
              } else {
                socket.attach(bound.channel(), target);
                session.opened(new Event.UdpBound(socket.id(), socket.port()));
              }
            });
  }

  /** Runs on the session's loop as the accepted channel registers, before it reads anything. */
  private void accept(SessionListener listener, Channel channel) {
    if (!session.owns(listener) || !session.roomForOneMore()) {
      channel.close();
      return;
    }
    SessionConnection connection = session.accepted(listener);
    connection.relayOn(channel.pipeline());
    connection.attach(channel, null);
    session.opened(
        new Event.Accepted(
            listener.id(),
            connection.id(),
            IpLiteral.format((InetSocketAddress) channel.remoteAddress())));
  }
}
