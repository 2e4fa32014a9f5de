package dev.wasisockets.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.LogCapture;
import dev.wasisockets.wasmnet.NettyLeakCheck;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.Request;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NettyLeakCheck.class)
class GatewayListenerTest {
  private WasmnetGateway gateway;

  @BeforeEach
  void start() throws Exception {
    gateway = TestGateways.onLoopback().build().start();
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  @Test
  void bindListensAndEachAcceptedConnectionIsAConnectionOfTheSession() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendText("{\"op\":\"bind\",\"id\":5,\"addr\":\"127.0.0.1\",\"port\":0}");
      int port = client.next(Event.Listening.class).port();
      assertThat(port).isPositive();

      client.sendText("{\"op\":\"listen\",\"id\":5,\"backlog\":16}");
      assertThat(client.next()).isEqualTo(new Event.Listening(5, port));

      try (Socket remote = new Socket(InetAddress.getLoopbackAddress(), port)) {
        Event.Accepted accepted = client.next(Event.Accepted.class);
        assertThat(accepted.id()).isEqualTo(5);
        assertThat(accepted.connId()).isEqualTo(5_000_001L);
        assertThat(accepted.remote()).isEqualTo("127.0.0.1:" + remote.getLocalPort());

        remote.getOutputStream().write("ping".getBytes(StandardCharsets.UTF_8));
        assertThat(client.next(Event.Data.class).data()).asString().isEqualTo("ping");
        client.sendJson(new Request.Send(5_000_001L, "pong".getBytes(StandardCharsets.UTF_8)));
        InputStream in = remote.getInputStream();
        assertThat(new String(in.readNBytes(4), StandardCharsets.UTF_8)).isEqualTo("pong");

        // close ends the client's side: the peer reads end of stream, and its own close is closed.
        client.sendJson(new Request.Close(5_000_001L));
        assertThat(in.read()).isEqualTo(-1);
        remote.shutdownOutput();
        assertThat(client.next()).isEqualTo(new Event.Closed(5_000_001L));
      }
    }
  }

  @Test
  void acceptedIdsSkipIdsInUse() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Bind(1, "127.0.0.1", 0));
      int port = client.next(Event.Listening.class).port();
      client.sendJson(new Request.Bind(1_000_001L, "127.0.0.1", 0));
      client.next(Event.Listening.class);

      try (Socket remote = new Socket(InetAddress.getLoopbackAddress(), port)) {
        assertThat(client.next(Event.Accepted.class).connId()).isEqualTo(1_000_002L);
      }
    }
  }

  @Test
  void closingTheListenerStopsAccepting() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendBinary(new Request.Bind(2, "127.0.0.1", 0));
      int port = client.next(Event.Listening.class).port();

      client.sendBinary(new Request.Close(2));
      assertThat(client.next()).isEqualTo(new Event.Closed(2));

      client.sendBinary(new Request.Listen(2, 128));
      assertThat(client.next()).isEqualTo(new Event.Error(2, "unknown id 2"));
      assertThat(port).isPositive();
    }
  }

  @Test
  void aBindThePolicyDeniesIsDeniedNamingTheRuleAndFreesTheId() throws Exception {
    gateway.close();
    gateway = WasmnetGateway.builder().host("127.0.0.1").port(0).build().start();
    try (LogCapture log = new LogCapture("dev.wasisockets.policy.NetworkPolicy");
        WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Bind(1, "127.0.0.1", 0));

      assertThat(client.next())
          .isEqualTo(
              new Event.Denied(1, "bind to 127.0.0.1:0 denied by policy (rule: default deny)"));
      assertThat(log.lines())
          .anyMatch(line -> line.contains("denied bind to 127.0.0.1:0 (rule: default deny"));
      client.sendJson(new Request.Listen(1, 16));
      assertThat(client.next()).isEqualTo(new Event.Error(1, "unknown id 1"));
    }
  }

  @Test
  void wrongKindsOfOperationGetErrors() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Bind(1, "127.0.0.1", 0));
      client.next(Event.Listening.class);

      client.sendJson(new Request.Send(1, new byte[] {1}));
      assertThat(client.next()).isEqualTo(new Event.Error(1, "cannot send on a listener"));
      client.sendJson(new Request.SendTo(1, "127.0.0.1", 9, new byte[] {1}));
      assertThat(client.next()).isEqualTo(new Event.Error(1, "send_to needs a udp socket"));
      client.sendJson(new Request.Bind(1, "127.0.0.1", 0));
      assertThat(client.next()).isEqualTo(new Event.Error(1, "id 1 is already in use"));
    }
  }
}
