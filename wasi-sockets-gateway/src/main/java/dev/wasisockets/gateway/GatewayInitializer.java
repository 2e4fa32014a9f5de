package dev.wasisockets.gateway;

import dev.wasisockets.policy.RateLimitedLog;
import dev.wasisockets.wasmnet.frames.WasmnetFrameCodec;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.traffic.ChannelTrafficShapingHandler;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One session's pipeline: bandwidth shaping, HTTP, what the access log notes of the frames, the
 * request's form, the opening deadlines, the access check, the WebSocket handshake and frames, the
 * wasmnet codec, the session. A connection from an address that holds its share already gets none:
 * it is closed at once.
 */
final class GatewayInitializer extends ChannelInitializer<SocketChannel> {
  /** The request line (the path and a {@code ?token=} in it); longer is 414. */
  static final int MAX_REQUEST_LINE_BYTES = 8 * 1024;

  /** Every header line together; more is 431. */
  static final int MAX_HEADER_BYTES = 16 * 1024;

  /** An upgrade request has no body ({@link UpgradeRequestCheck} refuses one). */
  private static final int MAX_BODY_BYTES = 0;

  private static final Logger LOG = System.getLogger(WasmnetGateway.class.getName());

  private final SessionContext context;
  private final ChannelGroup sessions;
  private final AtomicInteger sessionCount;
  private final ConnectionsPerAddress perAddress;

  /**
   * Each kind of line a client causes before it is a session is written at most once per this
   * interval. Unlike a guest's denials (10 a second, to show which addresses a program asks for),
   * these come from anyone who can reach the port, for as long as the gateway runs, and each says
   * the same thing (an address over a limit): after the first, only the count is news.
   */
  static final Duration LOG_INTERVAL = Duration.ofSeconds(10);

  private final RateLimitedLog refusals = openingLog("refused connections");
  private final RateLimitedLog handshakeTimeouts = openingLog("handshake timeouts");
  private final RateLimitedLog firstRequestTimeouts = openingLog("first-request timeouts");

  GatewayInitializer(SessionContext context, ChannelGroup sessions, AtomicInteger sessionCount) {
    this.context = context;
    this.sessions = sessions;
    this.sessionCount = sessionCount;
    this.perAddress = new ConnectionsPerAddress(context.options().maxConnectionsPerAddress());
  }

  @Override
  protected void initChannel(SocketChannel channel) {
    if (!admit(channel)) {
      return;
    }
    GatewayOptions options = context.options();
    ChannelPipeline pipeline = channel.pipeline();
    long bytesPerSecond = options.policy().limits().bytesPerSecond();
    if (bytesPerSecond > 0) {
      // Everything a session moves passes its WebSocket, so shaping it shapes the session.
      pipeline.addLast(new ChannelTrafficShapingHandler(bytesPerSecond, bytesPerSecond));
    }
    pipeline.addLast(
        new HttpServerCodec(
            new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_REQUEST_LINE_BYTES)
                .setMaxHeaderSize(MAX_HEADER_BYTES)
                // A bare LF ends a line for some parsers and not for others: CRLF only.
                .setStrictLineParsing(true)));
    SessionTally tally = new SessionTally();
    // Behind the codec, whose place the WebSocket decoder and encoder take.
    pipeline.addLast(new WebSocketWatch(tally));
    pipeline.addLast(new UpgradeRequestCheck());
    pipeline.addLast(new HttpObjectAggregator(MAX_BODY_BYTES));
    pipeline.addLast(
        new OpeningDeadline(
            options.handshakeTimeout(),
            options.firstRequestTimeout(),
            handshakeTimeouts,
            firstRequestTimeouts));
    pipeline.addLast(new AccessCheck(options, sessionCount));
    pipeline.addLast(
        new WebSocketServerProtocolHandler(
            WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(options.path())
                // AccessCheck compares the path itself; this lets "?token=" through.
                .checkStartsWith(true)
                // From the whole request to the 101 written; OpeningDeadline has the time before.
                .handshakeTimeoutMillis(
                    options.handshakeTimeout().isZero()
                        ? Long.MAX_VALUE
                        : OpeningDeadline.saturatedNanos(options.handshakeTimeout()) / 1_000_000)
                .decoderConfig(
                    WebSocketDecoderConfig.newBuilder()
                        .maxFramePayloadLength(GatewayOptions.WEBSOCKET_FRAME_CAP)
                        // Bad UTF-8 is a bad message, answered with an error event by the codec,
                        // not a reason to drop the whole session (1007).
                        .withUTF8Validator(false)
                        // The session answers a protocol error with its close code (1002, 1009):
                        // Netty's own answer to a bad close frame is no close frame at all.
                        .closeOnProtocolViolation(false)
                        .build())
                .build()));
    pipeline.addLast(new WebSocketFrameAggregator(GatewayOptions.WEBSOCKET_FRAME_CAP));
    pipeline.addLast(WasmnetFrameCodec.forGateway(options.maxFrameBytes()));
    pipeline.addLast(new ErrorMessageLimit());
    pipeline.addLast(new GatewaySession(context, sessions, channel, tally));
  }

  /**
   * Counts the connection against its address's share, or closes it if the share is taken: no bytes
   * are read from it, so nothing it sent costs more than the accept.
   */
  private boolean admit(SocketChannel channel) {
    InetAddress client =
        channel.remoteAddress() == null ? null : channel.remoteAddress().getAddress();
    if (client == null) {
      channel.close(); // gone already
      return false;
    }
    if (!perAddress.tryOpen(client)) {
      refusals.log(
          Level.WARNING,
          () ->
              "refused a connection from "
                  + client.getHostAddress()
                  + ": it has "
                  + perAddress.openFrom(client)
                  + " open, the limit per address");
      channel.close();
      return false;
    }
    channel.closeFuture().addListener(closed -> perAddress.closed(client));
    return true;
  }

  private static RateLimitedLog openingLog(String what) {
    return new RateLimitedLog(LOG, what, 1, LOG_INTERVAL, System::nanoTime);
  }
}
