package dev.wasisockets.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.wasmnet.NettyLeakCheck;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.Request;
import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NettyLeakCheck.class)
class GatewayPoolTest {
  private final EchoPeer peer;
  private WasmnetGateway gateway;

  GatewayPoolTest() throws Exception {
    peer = new EchoPeer();
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    peer.close();
  }

  @Test
  void aConnectionClosedUnusedServesTheNextConnectToTheSameAddress() throws Exception {
    gateway = TestGateways.onLoopback().poolIdle(Duration.ofMinutes(5)).build().start();
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      connect(client, 1);
      client.sendJson(new Request.Close(1));
      assertThat(client.next()).isEqualTo(new Event.Closed(1));
      assertThat(gateway.pool().size()).isEqualTo(1);

      connect(client, 2);
      assertThat(gateway.pool().size()).isZero();
      assertEchoes(client, 2);
      assertThat(peer.accepted()).as("one dial for both connects").isEqualTo(1);
    }
  }

  @Test
  void anotherSessionOnAnotherEventLoopTakesThePooledConnection() throws Exception {
    gateway = TestGateways.onLoopback().poolIdle(Duration.ofMinutes(5)).build().start();
    try (WasmnetTestClient first = WasmnetTestClient.connect(gateway)) {
      connect(first, 1);
      first.sendJson(new Request.Close(1));
      assertThat(first.next()).isEqualTo(new Event.Closed(1));

      try (WasmnetTestClient second = WasmnetTestClient.connect(gateway)) {
        connect(second, 1);
        assertEchoes(second, 1);

        assertThat(peer.accepted()).as("one dial for both sessions").isEqualTo(1);
        assertThat(gateway.sessions().stream().map(Channel::eventLoop).distinct())
            .as("the sessions run on different event loops")
            .hasSize(2);
      }
    }
  }

  @Test
  void aConnectionThatCarriedBytesIsNotPooled() throws Exception {
    gateway = TestGateways.onLoopback().poolIdle(Duration.ofMinutes(5)).build().start();
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      connect(client, 1);
      assertEchoes(client, 1);
      client.sendJson(new Request.Close(1));
      assertThat(client.next()).isEqualTo(new Event.Closed(1));

      assertThat(gateway.pool().size()).isZero();
      connect(client, 2);
      assertEchoes(client, 2);
      assertThat(peer.accepted()).isEqualTo(2);
    }
  }

  @Test
  void pooledConnectionsExpireAfterTheIdleTime() throws Exception {
    gateway = TestGateways.onLoopback().poolIdle(Duration.ofMillis(1)).build().start();
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      connect(client, 1);
      client.sendJson(new Request.Close(1));
      assertThat(client.next()).isEqualTo(new Event.Closed(1));
      while (gateway.pool().size() > 0) {
        Thread.onSpinWait(); // the expiry closes it on the event loop
      }

      connect(client, 2);
      assertEchoes(client, 2);
      assertThat(peer.accepted()).isEqualTo(2);
    }
  }

  @Test
  void aPooledConnectionThePeerSpeaksOnLeavesThePool() throws Exception {
    gateway = TestGateways.onLoopback().poolIdle(Duration.ofMinutes(5)).build().start();
    try (ServerSocket server = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
        WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Connect(1, "127.0.0.1", server.getLocalPort()));
      try (Socket first = server.accept()) {
        assertThat(client.next()).isEqualTo(new Event.Connected(1));
        client.sendJson(new Request.Close(1));
        assertThat(client.next()).isEqualTo(new Event.Closed(1));
        assertThat(gateway.pool().size()).isEqualTo(1);

        first.getOutputStream().write('!'); // a greeting: the connection is no longer fresh
        assertThat(first.getInputStream().read()).as("the gateway closes it").isEqualTo(-1);
        while (gateway.pool().size() > 0) {
          Thread.onSpinWait(); // the pool forgets it as the close completes on the event loop
        }
      }
    }
  }

  @Test
  void withoutAnIdleTimeNothingIsPooled() throws Exception {
    gateway = TestGateways.onLoopback().build().start();
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      connect(client, 1);
      client.sendJson(new Request.Close(1));
      assertThat(client.next()).isEqualTo(new Event.Closed(1));

      assertThat(gateway.pool().size()).isZero();
    }
  }

  private void connect(WasmnetTestClient client, long id) throws Exception {
    client.sendJson(new Request.Connect(id, "127.0.0.1", peer.port()));
    assertThat(client.next()).isEqualTo(new Event.Connected(id));
  }

  private static void assertEchoes(WasmnetTestClient client, long id) throws Exception {
    client.sendJson(new Request.Send(id, "again".getBytes(StandardCharsets.UTF_8)));
    assertThat(client.next(Event.Data.class).data()).asString().isEqualTo("again");
  }
}
