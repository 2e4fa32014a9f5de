package dev.wasisockets.gateway;

import dev.wasisockets.policy.HostResolver;
import dev.wasisockets.policy.NetworkPolicy;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Set;

/**
 * Everything a {@link WasmnetGateway} was built with; immutable.
 *
 * @param path the HTTP path that upgrades to a session; others get 404
 * @param token the bearer token a client must present, or null for none
 * @param allowedOrigins the browser Origins accepted; empty accepts any
 * @param maxSessions sessions at once (0: no limit); one more handshake gets 503
 * @param maxFrameBytes the largest message a session reads; a larger one is answered with {@code
 *     error}
 * @param poolIdle how long an unused connection waits in the pool (zero: no pooling)
 * @param poolPerKey the most pooled connections per address
 * @param trustStore certificates trusted for {@code connect_tls} besides the JDK's, or null
 * @param handshakeTimeout from the connection to the end of its upgrade request (zero: none)
 * @param firstRequestTimeout from the upgrade to the client's first frame (zero: none)
 * @param maxConnectionsPerAddress connections one client address may hold at once, half-sent
 *     upgrades included (0: no limit)
 */
record GatewayOptions(
    String host,
    int port,
    String path,
    NetworkPolicy policy,
    HostResolver resolver,
    String token,
    Set<String> allowedOrigins,
    int maxSessions,
    int maxFrameBytes,
    Duration poolIdle,
    int poolPerKey,
    KeyStore trustStore,
    Duration handshakeTimeout,
    Duration firstRequestTimeout,
    int maxConnectionsPerAddress) {

  /** Frames up to this size are read whole, to answer an oversized one with an error event. */
  static final int WEBSOCKET_FRAME_CAP = 16 * 1024 * 1024;
}
