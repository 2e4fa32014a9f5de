package dev.wasisockets.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.policy.Limits;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.wasmnet.NettyLeakCheck;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.Request;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The client's socket ids and the limits on them ({@link SocketTable}): which ids are free, how
 * many sockets of each kind a session holds, and that an answer for an id the client gave up on is
 * never sent. (Ids in use, accepted ids and max connections for TCP: {@link GatewayTcpTest}, {@link
 * GatewayListenerTest}.)
 */
@ExtendWith(NettyLeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewaySocketIdsTest {
  private final EchoPeer peer;
  private WasmnetGateway gateway;

  GatewaySocketIdsTest() throws Exception {
    peer = new EchoPeer();
  }

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    peer.close();
  }

  @Test
  void listenersOverTheLimitGetAnErrorUntilOneCloses() throws Exception {
    gateway = gatewayWith(Limits.NONE.withMaxListeners(1));
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Bind(1, "127.0.0.1", 0));
      client.next(Event.Listening.class);

      client.sendJson(new Request.Bind(2, "127.0.0.1", 0));
      assertThat(client.next()).isEqualTo(new Event.Error(2, "max listeners reached"));
      // Only listeners count against it.
      client.sendJson(new Request.Connect(3, "127.0.0.1", peer.port()));
      assertThat(client.next()).isEqualTo(new Event.Connected(3));

      client.sendJson(new Request.Close(1));
      assertThat(client.next()).isEqualTo(new Event.Closed(1));
      client.sendJson(new Request.Bind(2, "127.0.0.1", 0));
      assertThat(client.next(Event.Listening.class).id()).isEqualTo(2);
    }
  }

  @Test
  void listenersAndUdpSocketsCountAgainstTheConnectionLimit() throws Exception {
    gateway = gatewayWith(Limits.NONE.withMaxConnections(2));
    try (DatagramSocket udpPeer =
            new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Bind(1, "127.0.0.1", 0));
      client.next(Event.Listening.class);
      client.sendJson(new Request.ConnectUdp(2, "127.0.0.1", udpPeer.getLocalPort()));
      client.next(Event.UdpBound.class);

      client.sendJson(new Request.Connect(3, "127.0.0.1", peer.port()));
      assertThat(client.next()).isEqualTo(new Event.Error(3, "max connections reached"));
      client.sendJson(new Request.Bind(4, "127.0.0.1", 0));
      assertThat(client.next()).isEqualTo(new Event.Error(4, "max connections reached"));

      client.sendJson(new Request.Close(2));
      assertThat(client.next()).isEqualTo(new Event.Closed(2));
      client.sendJson(new Request.Connect(3, "127.0.0.1", peer.port()));
      assertThat(client.next()).isEqualTo(new Event.Connected(3));
    }
  }

  @Test
  void aConnectionAcceptedOverTheLimitIsClosedAtOnceAndNeverAnnounced() throws Exception {
    gateway = gatewayWith(Limits.NONE.withMaxConnections(2));
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Bind(1, "127.0.0.1", 0));
      int port = client.next(Event.Listening.class).port();
      client.sendJson(new Request.Connect(2, "127.0.0.1", peer.port()));
      assertThat(client.next()).isEqualTo(new Event.Connected(2));

      try (Socket remote = new Socket(InetAddress.getLoopbackAddress(), port)) {
        remote.setSoTimeout(10_000); // a read is not interrupted at the test's timeout
        assertThat(remote.getInputStream().read()).as("closed by the gateway").isEqualTo(-1);
      }
      // Events keep their order: an accepted for that connection would have come before this.
      client.sendJson(new Request.Close(99));
      assertThat(client.next()).isEqualTo(new Event.Error(99, "unknown id 99"));

      // With room again, the next one is accepted, and numbered as the listener's first.
      client.sendJson(new Request.Close(2));
      assertThat(client.next()).isEqualTo(new Event.Closed(2));
      try (Socket remote = new Socket(InetAddress.getLoopbackAddress(), port)) {
        Event.Accepted accepted = client.next(Event.Accepted.class);
        assertThat(accepted.id()).isEqualTo(1);
        assertThat(accepted.connId()).isEqualTo(1_000_001L);
      }
    }
  }

  @Test
  void afterThePeersClosedTheClientsCloseFreesTheIdWithoutAnotherAnswer() throws Exception {
    // The peer's end of stream is a half-close as far as the gateway knows: the client may still
    // send, so the id stays the client's until it closes its side too.
    gateway = gatewayWith(Limits.NONE);
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Connect(1, "127.0.0.1", server.getLocalPort()));
      server.accept().close();
      assertThat(client.next()).isEqualTo(new Event.Connected(1));
      assertThat(client.next()).isEqualTo(new Event.Closed(1));
      client.sendJson(new Request.Connect(1, "127.0.0.1", peer.port()));
      assertThat(client.next()).isEqualTo(new Event.Error(1, "id 1 is already in use"));

      client.sendJson(new Request.Close(1));
      client.sendJson(new Request.Connect(1, "127.0.0.1", peer.port()));
      assertThat(client.next()).isEqualTo(new Event.Connected(1));
    }
  }

  @Test
  void aLookupThatEndsAfterTheClientClosedItsIdAnswersNothing() throws Exception {
    // The id is in use again by then: a late "denied 1" would tell the client its new socket
    // was refused.
    CountDownLatch release = new CountDownLatch(1);
    gateway =
        TestGateways.onLoopback()
            .policy(
                NetworkPolicy.builder()
                    .allow(NetworkUse.TCP_CONNECT, "127.0.0.1")
                    .limits(Limits.NONE)
                    .build())
            .resolver(
                name -> {
                  if (!name.equals("held.test")) {
                    throw new UnknownHostException(name);
                  }
                  try {
                    release.await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  return List.of(InetAddress.getByName("192.0.2.7")); // denied
                })
            .build()
            .start();
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Connect(1, "held.test", peer.port()));
      client.sendJson(new Request.Close(1));
      assertThat(client.next()).isEqualTo(new Event.Closed(1));
      client.sendJson(new Request.Connect(1, "127.0.0.1", peer.port()));
      assertThat(client.next()).isEqualTo(new Event.Connected(1));
      SessionProbe session = new SessionProbe(gateway);
      assertThat(session.lookupsInFlight()).isEqualTo(1);

      release.countDown();
      while (session.lookupsInFlight() > 0) {
        Thread.onSpinWait(); // the lookup's answer is decided on the loop as it ends
      }

      client.sendJson(new Request.Close(99));
      assertThat(client.next()).isEqualTo(new Event.Error(99, "unknown id 99"));
      assertThat(session.holds(1)).isTrue();
    } finally {
      release.countDown();
    }
  }

  private static WasmnetGateway gatewayWith(Limits limits) throws Exception {
    return TestGateways.onLoopback()
        .policy(NetworkPolicy.builder().allowAll().limits(limits).build())
        .build()
        .start();
  }
}
