package dev.wasisockets.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import java.util.concurrent.Callable;

/** Reads a session's state on its own event loop, where that state lives. */
final class SessionProbe {
  private final Channel webSocket;

  SessionProbe(WasmnetGateway gateway) {
    assertThat(gateway.sessions().size()).isEqualTo(1);
    webSocket = gateway.sessions().iterator().next();
  }

  <T> T onLoop(Callable<T> read) throws Exception {
    return webSocket.eventLoop().submit(read).get();
  }

  /** The peer channel of connection {@code id}. */
  Channel peer(long id) throws Exception {
    return onLoop(
        () ->
            ((SessionConnection) webSocket.pipeline().get(GatewaySession.class).socketForTest(id))
                .channelForTest());
  }

  /** Whether the session holds a socket with this id. */
  boolean holds(long id) throws Exception {
    return onLoop(() -> session().socketForTest(id) != null);
  }

  /** The session's name lookups not yet ended: their answers, if any, are out once this is 0. */
  int lookupsInFlight() throws Exception {
    return onLoop(() -> session().lookupsInFlightForTest());
  }

  private GatewaySession session() {
    return webSocket.pipeline().get(GatewaySession.class);
  }

  /** The session's WebSocket channel. */
  Channel webSocket() {
    return webSocket;
  }

  /** Whether the session reads what connection {@code id}'s peer sends. */
  boolean readsPeer(long id) throws Exception {
    Channel peer = peer(id);
    return onLoop(() -> peer.config().isAutoRead());
  }

  /** Whether the session reads what its client sends. */
  boolean readsClient() throws Exception {
    return onLoop(() -> webSocket.config().isAutoRead());
  }

  /** Bytes written to the client and not yet taken by its socket. */
  long pendingToClient() throws Exception {
    return onLoop(() -> webSocket.unsafe().outboundBuffer().totalPendingWriteBytes());
  }

  long pendingToPeer(long id) throws Exception {
    Channel peer = peer(id);
    return onLoop(() -> peer.unsafe().outboundBuffer().totalPendingWriteBytes());
  }
}
