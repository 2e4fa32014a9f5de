package dev.wasisockets.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.LogCapture;
import dev.wasisockets.policy.Limits;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.wasmnet.NettyLeakCheck;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.Request;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NettyLeakCheck.class)
class GatewayTcpTest {
  private final EchoPeer peer;
  private WasmnetGateway gateway;

  GatewayTcpTest() throws Exception {
    peer = new EchoPeer();
  }

  @BeforeEach
  void start() throws Exception {
    gateway = TestGateways.onLoopback().build().start();
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    peer.close();
  }

  @Test
  void connectSendDataCloseInJson() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendText(
          "{\"op\":\"connect\",\"id\":1,\"addr\":\"127.0.0.1\",\"port\":" + peer.port() + "}");
      assertThat(client.next()).isEqualTo(new Event.Connected(1));

      client.sendText("{\"op\":\"send\",\"id\":1,\"data\":\"aGVsbG8=\"}");
      assertThat(new String(client.next(Event.Data.class).data(), StandardCharsets.UTF_8))
          .isEqualTo("hello");
      assertThat(client.lastWasBinary()).isFalse();

      client.sendText("{\"op\":\"close\",\"id\":1}");
      assertThat(client.next()).isEqualTo(new Event.Closed(1));
    }
  }

  @Test
  void connectSendDataCloseInBinary() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendBinary(new Request.Connect(7, "127.0.0.1", peer.port()));
      assertThat(client.next()).isEqualTo(new Event.Connected(7));
      assertThat(client.lastWasBinary()).isTrue();

      client.sendBinary(new Request.Send(7, new byte[] {0, 1, 2, (byte) 255}));
      assertThat(client.next(Event.Data.class).data()).containsExactly(0, 1, 2, 255);

      client.sendBinary(new Request.Close(7));
      assertThat(client.next()).isEqualTo(new Event.Closed(7));
    }
  }

  @Test
  void answersInTheFramingOfTheLatestMessage() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Connect(1, "127.0.0.1", peer.port()));
      assertThat(client.next()).isEqualTo(new Event.Connected(1));
      assertThat(client.lastWasBinary()).isFalse();

      client.sendBinary(new Request.Send(1, "bin".getBytes(StandardCharsets.UTF_8)));
      assertThat(client.next(Event.Data.class).data()).asString().isEqualTo("bin");
      assertThat(client.lastWasBinary()).isTrue();

      client.sendJson(new Request.Send(1, "json".getBytes(StandardCharsets.UTF_8)));
      assertThat(client.next(Event.Data.class).data()).asString().isEqualTo("json");
      assertThat(client.lastWasBinary()).isFalse();
    }
  }

  @Test
  void aMessageInSeveralFramesIsOneRequest() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendTextInPieces(
          "{\"op\":\"connect\",\"id\":3,\"addr\":\"127.0.0.1\",\"port\":" + peer.port() + "}", 4);

      assertThat(client.next()).isEqualTo(new Event.Connected(3));
    }
  }

  @Test
  void connectByNameResolvesOnceAndChecksTheAddress() throws Exception {
    gateway.close();
    gateway =
        TestGateways.onLoopback()
            .resolver(name -> List.of(InetAddress.getByName("127.0.0.1")))
            .build()
            .start();
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Connect(1, "peer.test", peer.port()));

      assertThat(client.next()).isEqualTo(new Event.Connected(1));
    }
  }

  @Test
  void aSendBeforeConnectedIsAnError() throws Exception {
    gateway.close();
    CountDownLatch lookedUp = new CountDownLatch(1);
    gateway =
        TestGateways.onLoopback()
            .resolver(
                name -> {
                  try {
                    lookedUp.await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  return List.of(InetAddress.getLoopbackAddress());
                })
            .build()
            .start();
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Connect(1, "peer.test", peer.port()));
      client.sendJson(new Request.Send(1, new byte[] {1}));
      assertThat(client.next()).isEqualTo(new Event.Error(1, "not connected yet"));

      lookedUp.countDown();
      assertThat(client.next()).isEqualTo(new Event.Connected(1));
    } finally {
      lookedUp.countDown();
    }
  }

  @Test
  void theDefaultPolicyDeniesLoopbackNamingTheRule() throws Exception {
    gateway.close();
    gateway = WasmnetGateway.builder().host("127.0.0.1").port(0).build().start();
    try (LogCapture log = new LogCapture("dev.wasisockets.policy.NetworkPolicy");
        WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Connect(1, "127.0.0.1", peer.port()));

      Event.Denied denied = client.next(Event.Denied.class);
      assertThat(denied.id()).isEqualTo(1);
      assertThat(denied.msg())
          .isEqualTo(
              "tcp connect to 127.0.0.1:"
                  + peer.port()
                  + " denied by policy (rule: deny loopback)");
      assertThat(log.lines()).anyMatch(line -> line.contains("rule: deny loopback"));
      assertThat(peer.accepted()).isZero();

      // The id is free again after a denial.
      client.sendJson(new Request.Close(1));
      assertThat(client.next(Event.Error.class).msg()).isEqualTo("unknown id 1");
    }
  }

  @Test
  void thePeerClosingGivesClosed() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Connect(1, "127.0.0.1", server.getLocalPort()));
      server.accept().close();

      assertThat(client.next()).isEqualTo(new Event.Connected(1));
      assertThat(client.next()).isEqualTo(new Event.Closed(1));
    }
  }

  @Test
  void aRefusedConnectGivesAnErrorAndFreesTheId() throws Exception {
    int closedPort;
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = server.getLocalPort();
    }
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Connect(1, "127.0.0.1", closedPort));
      assertThat(client.next(Event.Error.class).msg())
          .startsWith("connect to 127.0.0.1:" + closedPort + " failed: ");

      client.sendJson(new Request.Connect(1, "127.0.0.1", peer.port()));
      assertThat(client.next()).isEqualTo(new Event.Connected(1));
    }
  }

  @Test
  void anUnknownNameGivesAnError() throws Exception {
    gateway.close();
    gateway =
        TestGateways.onLoopback()
            .resolver(
                name -> {
                  throw new java.net.UnknownHostException(name);
                })
            .build()
            .start();
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Connect(1, "nowhere.test", 80));

      assertThat(client.next(Event.Error.class).msg())
          .isEqualTo("cannot resolve nowhere.test: nowhere.test");
    }
  }

  @Test
  void moreConnectionsThanTheLimitGetAnError() throws Exception {
    gateway.close();
    gateway =
        TestGateways.onLoopback()
            .policy(
                NetworkPolicy.builder()
                    .allowAll()
                    .limits(Limits.NONE.withMaxConnections(1))
                    .build())
            .build()
            .start();
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Connect(1, "127.0.0.1", peer.port()));
      assertThat(client.next()).isEqualTo(new Event.Connected(1));

      client.sendJson(new Request.Connect(2, "127.0.0.1", peer.port()));
      assertThat(client.next()).isEqualTo(new Event.Error(2, "max connections reached"));

      client.sendJson(new Request.Close(1));
      assertThat(client.next()).isEqualTo(new Event.Closed(1));
      client.sendJson(new Request.Connect(2, "127.0.0.1", peer.port()));
      assertThat(client.next()).isEqualTo(new Event.Connected(2));
    }
  }
}
