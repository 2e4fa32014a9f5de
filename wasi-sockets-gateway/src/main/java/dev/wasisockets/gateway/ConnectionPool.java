package dev.wasisockets.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Idle TCP connections kept for reuse, per peer address. Only a connection on which no byte crossed
 * either way comes here (the client closed it unused), so handing it to the next connect to that
 * address is indistinguishable, for both ends, from a fresh dial. A pooled connection leaves the
 * pool when it has waited the idle time, when the peer closes it, or when the peer sends anything
 * (it would no longer be fresh). A session on another event loop than the connection's moves it
 * onto its own.
 */
final class ConnectionPool {
  private final Duration idle;
  private final int perKey;
  private final Map<InetSocketAddress, Deque<Pooled>> idleByAddress = new HashMap<>();

  ConnectionPool(Duration idle, int perKey) {
    this.idle = idle;
    this.perKey = perKey;
  }

  boolean enabled() {
    return !idle.isZero() && perKey > 0;
  }

  /**
   * Keeps {@code channel} (on which nothing was exchanged) for {@code address}; false when the pool
   * is off or full for that address, and the caller closes it.
   */
  synchronized boolean offer(InetSocketAddress address, Channel channel) {
    if (!enabled()) {
      return false;
    }
    Deque<Pooled> idleChannels = idleByAddress.computeIfAbsent(address, any -> new ArrayDeque<>());
    if (idleChannels.size() >= perKey) {
      return false;
    }
    Pooled pooled =
        new Pooled(
            channel,
            channel
                .eventLoop()
                .schedule((Runnable) channel::close, idle.toMillis(), TimeUnit.MILLISECONDS));
    idleChannels.add(pooled);
    channel.pipeline().addLast(new WhilePooled(address, pooled));
    // Reading is how a closed or talking peer is noticed while nobody else reads.
    channel.config().setAutoRead(true);
    return true;
  }

  /**
   * Takes a pooled connection to {@code address} out of the pool and moves it onto {@code loop}
   * (Netty lets a channel change its event loop between deregistering and registering); the future,
   * completed on {@code loop}, holds it, or null when there is none to take.
   */
  Future<Channel> take(InetSocketAddress address, EventLoop loop) {
    Promise<Channel> taken = loop.newPromise();
    Pooled pooled = removeAny(address);
    if (pooled == null) {
      return taken.setSuccess(null);
    }
    Channel channel = pooled.channel;
    channel
        .eventLoop()
        .execute(
            () -> {
              if (!channel.isActive()) {
                taken.setSuccess(null); // closed meanwhile: the caller dials
                return;
              }
              channel.pipeline().remove(WhilePooled.class);
              if (channel.eventLoop() == loop) {
                taken.setSuccess(channel);
                return;
              }
              // Nothing may be read while no handler relays it; the relay turns reading on again.
              channel.config().setAutoRead(false);
              channel
                  .deregister()
                  .addListener(
                      deregistered ->
                          loop.register(channel)
                              .addListener(
                                  registered -> {
                                    if (registered.isSuccess()) {
                                      taken.setSuccess(channel);
                                    } else {
                                      channel.close();
                                      taken.setSuccess(null);
                                    }
                                  }));
            });
    return taken;
  }

  private synchronized Pooled removeAny(InetSocketAddress address) {
    Deque<Pooled> idleChannels = idleByAddress.get(address);
    Pooled pooled = idleChannels == null ? null : idleChannels.poll();
    if (pooled == null) {
      return null;
    }
    if (idleChannels.isEmpty()) {
      idleByAddress.remove(address);
    }
    pooled.expiry.cancel(false);
    return pooled;
  }

  synchronized int size() {
    return idleByAddress.values().stream().mapToInt(Deque::size).sum();
  }

  private synchronized void remove(InetSocketAddress address, Pooled pooled) {
    Deque<Pooled> idleChannels = idleByAddress.get(address);
    if (idleChannels != null && idleChannels.remove(pooled) && idleChannels.isEmpty()) {
      idleByAddress.remove(address);
    }
  }

  private record Pooled(Channel channel, ScheduledFuture<?> expiry) {}

  /** Watches a pooled connection: it leaves the pool when closed or spoken to. */
  private final class WhilePooled extends ChannelInboundHandlerAdapter {
    private final InetSocketAddress address;
    private final Pooled pooled;

    WhilePooled(InetSocketAddress address, Pooled pooled) {
      this.address = address;
      this.pooled = pooled;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
      ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      remove(address, pooled);
      pooled.expiry.cancel(false);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
