package dev.wasisockets.gateway;

import static dev.wasisockets.gateway.SocketTable.idText;

import dev.wasisockets.policy.LogText;
import dev.wasisockets.policy.RateLimitedLog;
import dev.wasisockets.wasmnet.protocol.MessageType;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.QueryStringEncoder;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The gateway's access log (docs/gateway.md, "Access log"): a line when a session opens, one when
 * it ends, and one for each request the policy denies, to the {@code System.Logger} {@value
 * #LOGGER_NAME} at INFO, so that an operator can route them apart from the rest.
 *
 * <p>A line is {@code key=value} pairs in a fixed order per event, one line whatever the values
 * hold: a host name, an Origin, a path or a close reason is the client's text, and a newline in it
 * would let the client write lines of its own (log injection). So every such value is shown as
 * {@link LogText} shows a guest's or a client's text, as the policy's own denial lines do: bare
 * when plain, else quoted and escaped to printable ASCII, and cut at {@value LogText#MAX_CHARS}
 * characters. {@code -} is a value that is absent.
 *
 * <p>Denial lines are as many as a client sends denied requests, so they share one {@link
 * RateLimitedLog} for the gateway ({@value RateLimitedLog#LINES_PER_SECOND} a second); the ones
 * left out are counted in the next line written, and every session's close line counts its own
 * denials, logged or not. Open and close lines are one each per session, bounded as sessions are.
 *
 * <p>Thread-safe: one access log serves all the gateway's event loops.
 */
final class AccessLog {
  static final String LOGGER_NAME = "dev.wasisockets.gateway.access";

  private final Logger logger;
  private final RateLimitedLog denials;
  private final LongSupplier nanoClock;
  // Unique within one gateway's run only; a restart counts from 1 again.
  private final AtomicLong lastSessionId = new AtomicLong();

  AccessLog(LongSupplier nanoClock) {
    this.logger = System.getLogger(LOGGER_NAME);
    this.denials = new RateLimitedLog(logger, "denied requests", nanoClock);
    this.nanoClock = nanoClock;
  }

  /**
   * A session opened: gives it its id and writes {@code event=open}. {@code uri} is the upgrade
   * request's, whose token (if in the query) is left out; {@code origin} is null when none came.
   */
  void opened(SessionTally session, String client, String origin, String uri) {
    session.opened(
        lastSessionId.incrementAndGet(), client, origin, withoutToken(uri), nanoClock.getAsLong());
    if (logger.isLoggable(Level.INFO)) {
      logger.log(Level.INFO, start("open", session).add("path", session.path()).toString());
    }
  }

  /** The session ended: writes {@code event=close} with what it did. */
  void closed(SessionTally session) {
    if (!logger.isLoggable(Level.INFO)) {
      return;
    }
    long millis = (nanoClock.getAsLong() - session.openedNanos()) / 1_000_000;
    Line line =
        start("close", session)
            .add("duration_ms", millis)
            .add("requests", session.requests())
            .add("sockets", session.socketsOpened())
            .add("denials", session.denials())
            .add("bytes_to_peers", session.bytesToPeers())
            .add("bytes_from_peers", session.bytesFromPeers())
            .add("framing", session.framings())
            .add("close", session.closeCode())
            .add("close_reason", session.closeReason())
            .add("closed_by", session.closedBy());
    logger.log(Level.INFO, line.toString());
  }

  /**
   * The policy denied request {@code op} for socket {@code id} of {@code target} (the host and
   * port, or the name, as the client wrote them) by {@code rule} (the rule text the policy logs):
   * counts it for the session and writes {@code event=denied}, within the budget.
   */
  void denied(SessionTally session, MessageType op, long id, String target, String rule) {
    session.denied();
    denials.log(
        Level.INFO,
        () ->
            start("denied", session)
                .add("op", op.jsonName())
                .add("id", idText(id))
                .add("target", target)
                .add("rule", rule)
                .toString());
  }

  /** {@code host:port} as the client wrote the host, an IPv6 literal in brackets. */
  static String target(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  private static Line start(String event, SessionTally session) {
    return new Line()
        .add("event", event)
        .add("session", session.id())
        .add("client", session.client())
        .add("origin", session.origin());
  }

  /**
   * The request's path and query as the gateway read them (the query decoded and encoded again),
   * without the {@code token} parameter: the token is a secret, and logs travel further than it.
   */
  static String withoutToken(String uri) {
    QueryStringDecoder decoded = new QueryStringDecoder(uri);
    QueryStringEncoder kept = new QueryStringEncoder(decoded.rawPath());
    for (Map.Entry<String, List<String>> parameter : decoded.parameters().entrySet()) {
      if (!parameter.getKey().equals("token")) {
        parameter.getValue().forEach(value -> kept.addParam(parameter.getKey(), value));
      }
    }
    return kept.toString();
  }

  /** One line of {@code key=value} pairs, in the order they are added. */
  static final class Line {
    private final StringBuilder text = new StringBuilder(192);

    Line add(String key, long value) {
      separate(key);
      text.append(value);
      return this;
    }

    /** {@code value} as {@link LogText} shows a client's text; null is {@code -}. */
    Line add(String key, String value) {
      separate(key);
      text.append(value == null ? "-" : LogText.of(value));
      return this;
    }

    private void separate(String key) {
      if (text.length() > 0) {
        text.append(' ');
      }
      text.append(key).append('=');
    }

    @Override
    public String toString() {
      return text.toString();
    }
  }
}
