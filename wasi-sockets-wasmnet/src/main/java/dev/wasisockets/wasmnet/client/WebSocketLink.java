package dev.wasisockets.wasmnet.client;

import dev.wasisockets.wasmnet.frames.SocketBytes;
import dev.wasisockets.wasmnet.frames.WasmnetFrameCodec;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.Framing;
import dev.wasisockets.wasmnet.protocol.Request;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * One WebSocket to a wasmnet server, as a Netty pipeline: the WebSocket client, then a {@link
 * WasmnetFrameCodec} (requests out in the chosen framing, events in, in either framing, whatever
 * the server sends; a frame that does not decode is logged and dropped), then the handler that
 * gives events and bytes to an {@link EventSink} on the link's I/O thread.
 */
final class WebSocketLink {
  private static final Logger LOG = Logger.getLogger(WebSocketLink.class.getName());

  /** Frames larger than this end the link (1009); a wasmnet server sends data in small chunks. */
  static final int MAX_FRAME_BYTES = 16 << 20;

  /**
   * One I/O thread for every link in the JVM that is not given a group: each link carries a single
   * WebSocket, and its work per frame is short (copies happen on the guests' threads).
   */
  private static final class Loop {
    static final EventLoopGroup GROUP =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("wasmnet-client", true), NioIoHandler.newFactory());
  }

  /** The group of links opened without one of their own. */
  static EventLoopGroup sharedLoop() {
    return Loop.GROUP;
  }

  /** Where events go. Called on the link's I/O thread, so implementations must not block. */
  interface EventSink {
    void onEvent(Event event);

    /** Bytes from connection {@code id}, in a buffer the sink now owns (and must release). */
    void onData(long id, ByteBuf bytes);

    /** The WebSocket can take more (or no more) frames without growing its buffer. */
    void onWritabilityChanged();

    /** The WebSocket is gone; {@code reason} says why. Called once. */
    void onClosed(String reason);
  }

  private final Channel channel;
  private final Framing framing;
  private final MaskingKeys maskingKeys = new MaskingKeys();

  private WebSocketLink(Channel channel, Framing framing) {
    this.channel = channel;
    this.framing = framing;
  }

  /**
   * Opens the WebSocket at {@code uri} ({@code ws://} or {@code wss://}) on {@code group} and
   * completes its handshake.
   */
  static WebSocketLink open(URI uri, WasmnetOptions options, EventLoopGroup group, EventSink sink)
      throws IOException {
    boolean tls = "wss".equalsIgnoreCase(uri.getScheme());
    if (!tls && !"ws".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
      throw new IllegalArgumentException("'" + uri + "' is not a ws:// or wss:// URL");
    }
    int port = uri.getPort() != -1 ? uri.getPort() : tls ? 443 : 80;
    HttpHeaders headers = new DefaultHttpHeaders();
    if (options.token() != null) {
      headers.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + options.token());
    }
    WebSocketClientProtocolConfig config =
        WebSocketClientProtocolConfig.newBuilder()
            .webSocketUri(uri)
            .customHeaders(headers)
            .maxFramePayloadLength(MAX_FRAME_BYTES)
            .handshakeTimeoutMillis(options.answerTimeout().toMillis())
            .build();
    CompletableFuture<Void> handshake = new CompletableFuture<>();
    SslContext sslContext = tls ? clientTls() : null;
    Bootstrap bootstrap =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, options.answerTimeout().toMillis()))
            // Guests block (or see EAGAIN) while this much is queued for the server.
            .option(
                ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 << 10, 1 << 20))
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (sslContext != null) {
                      ch.pipeline().addLast(verifiedTls(sslContext, ch, uri.getHost(), port));
                    }
                    ch.pipeline()
                        .addLast(
                            new HttpClientCodec(),
                            new HttpObjectAggregator(64 << 10),
                            new WebSocketClientProtocolHandler(
                                new PremaskedFrameEncoder.Handshaker(config), config),
                            new WebSocketFrameAggregator(MAX_FRAME_BYTES),
                            WasmnetFrameCodec.forClient(options.framing(), MAX_FRAME_BYTES),
                            new Inbound(handshake, sink));
                  }
                });
    Channel channel;
    try {
      channel = bootstrap.connect(uri.getHost(), port).sync().channel();
      handshake.get(options.answerTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while opening " + uri);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new ConnectException(
          "cannot open the wasmnet WebSocket " + uri + ": " + cause.getMessage());
    } catch (Exception e) { // Netty's sync() rethrows the connect failure as is
      throw new ConnectException(
          "cannot open the wasmnet WebSocket " + uri + ": " + e.getMessage());
    }
    return new WebSocketLink(channel, options.framing());
  }

  /**
   * Sends {@code request} (the link's {@link WasmnetFrameCodec} frames it); from any thread.
   * Failures surface through {@link EventSink#onClosed}.
   */
  void send(Request request) {
    channel.writeAndFlush(request, channel.voidPromise());
  }

  /**
   * Sends the next {@code count} bytes of {@code srcs} (advancing them) as one {@code send} for
   * {@code id}. In binary framing the bytes are copied once, straight into the frame's buffer, and
   * masked there, on the caller's thread ({@link MaskedSendFrame}).
   */
  void sendBytes(long id, ByteBuffer[] srcs, int count) {
    if (framing == Framing.JSON) {
      ByteBuf data = Unpooled.buffer(count, count); // its array goes to base64 as it is
      take(srcs, count, data::writeBytes);
      channel.writeAndFlush(new SocketBytes(id, data), channel.voidPromise());
      return;
    }
    channel.writeAndFlush(
        MaskedSendFrame.of(channel.alloc(), id, srcs, count, maskingKeys.next()),
        channel.voidPromise());
  }

  /**
   * Hands the next {@code count} bytes of {@code srcs} to {@code sink}, in slices, and advances
   * {@code srcs} past them.
   */
  static void take(ByteBuffer[] srcs, int count, Consumer<ByteBuffer> sink) {
    int left = count;
    for (int i = 0; i < srcs.length && left > 0; i++) {
      ByteBuffer src = srcs[i];
      int n = Math.min(left, src.remaining());
      if (n > 0) {
        sink.accept(src.duplicate().limit(src.position() + n));
        src.position(src.position() + n);
        left -= n;
      }
    }
  }

  /** Runs {@code task} on this link's I/O thread, about {@code delayNanos} from now. */
  void later(Runnable task, long delayNanos) {
    channel.eventLoop().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
  }

  boolean isWritable() {
    return channel.isWritable();
  }

  /** Stops or resumes reading from the server: how a guest that reads slowly slows the server. */
  void setReading(boolean reading) {
    channel.config().setAutoRead(reading);
  }

  boolean isOpen() {
    return channel.isActive();
  }

  /** Says goodbye with a close frame and closes. */
  void close() {
    if (channel.isActive()) {
      channel
          .writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE))
          .addListener(done -> channel.close());
    }
  }

  private static SslContext clientTls() throws IOException {
    try {
      return SslContextBuilder.forClient().build();
    } catch (javax.net.ssl.SSLException e) {
      throw new IOException("cannot set up TLS: " + e.getMessage(), e);
    }
  }

  /** TLS that checks the server's certificate names the host we dialled (and sends it as SNI). */
  private static SslHandler verifiedTls(SslContext context, Channel ch, String host, int port) {
    SslHandler handler = context.newHandler(ch.alloc(), host, port);
    SSLEngine engine = handler.engine();
    SSLParameters parameters = engine.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    engine.setSSLParameters(parameters);
    return handler;
  }

  /** Hands the server's events and bytes to the sink and reports the link's state changes. */
  private static final class Inbound extends ChannelInboundHandlerAdapter {
    private final CompletableFuture<Void> handshake;
    private final EventSink sink;

    Inbound(CompletableFuture<Void> handshake, EventSink sink) {
      this.handshake = handshake;
      this.sink = sink;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
      if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
        handshake.complete(null);
      } else if (event
          == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
        handshake.completeExceptionally(new TimeoutException("no WebSocket handshake in time"));
      }
      super.userEventTriggered(ctx, event);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
      if (message instanceof SocketBytes bytes) {
        // The bytes stay in the frame's buffer until the guest reads them: no copy here.
        sink.onData(bytes.id(), bytes.content());
      } else if (message instanceof Event event) {
        sink.onEvent(event);
      } else {
        ReferenceCountUtil.release(message);
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
      sink.onWritabilityChanged();
      super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      handshake.completeExceptionally(new IOException("the server closed the connection"));
      sink.onClosed("the wasmnet server connection closed");
      super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      handshake.completeExceptionally(cause);
      LOG.log(Level.FINE, "wasmnet link failed", cause);
      ctx.close();
    }
  }
}
