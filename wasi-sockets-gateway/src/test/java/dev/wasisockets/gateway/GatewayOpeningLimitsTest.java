package dev.wasisockets.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.wasisockets.LogCapture;
import dev.wasisockets.wasmnet.NettyLeakCheck;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.Request;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a client that opens connections and does not finish them can hold: a half-sent upgrade is
 * closed after the handshake timeout, a session without a request after the first-request timeout
 * (when set), and one address holds at most so many connections. Real clients are served
 * throughout.
 */
@ExtendWith(NettyLeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewayOpeningLimitsTest {
  private static final Duration SHORT = Duration.ofMillis(300);
  private static final String HALF_AN_UPGRADE =
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"; // no blank line: never ends

  private final EchoPeer peer;
  private WasmnetGateway gateway;

  GatewayOpeningLimitsTest() throws Exception {
    peer = new EchoPeer();
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    peer.close();
  }

  @Test
  void halfSentUpgradesAreAnswered408AndClosedAfterTheHandshakeTimeout() throws Exception {
    gateway = TestGateways.onLoopback().handshakeTimeout(SHORT).build().start();
    List<Socket> slow = new ArrayList<>();
    try (LogCapture log = new LogCapture(WasmnetGateway.class.getName())) {
      long start = System.nanoTime();
      for (int i = 0; i < 50; i++) {
        Socket socket = RawHttp.open(gateway);
        slow.add(socket);
        socket.getOutputStream().write(HALF_AN_UPGRADE.getBytes(StandardCharsets.ISO_8859_1));
      }
      Socket silent = RawHttp.open(gateway); // connects and sends nothing at all
      slow.add(silent);

      assertServes(gateway);
      for (Socket socket : slow) {
        assertThat(RawHttp.statusLine(socket.getInputStream()))
            .isEqualTo("HTTP/1.1 408 Request Timeout");
        assertThat(RawHttp.closedByGateway(socket)).isTrue();
      }
      // Every close came between the first connect and now: if that is within the gateway's log
      // interval (it is ~300 ms, unless the machine stalls), they all fell in one interval.
      assumeTrue(
          System.nanoTime() - start < GatewayInitializer.LOG_INTERVAL.toNanos(),
          "the closes spanned more than one log interval");
      assertServes(gateway);

      // 51 closes in one interval: one line. The 50 left out are counted in a line before the
      // next one, after the interval (RateLimitedLogTest), so there is no count yet.
      assertThat(log.lines())
          .singleElement()
          .asString()
          .isEqualTo(
              "closed a connection from 127.0.0.1: no complete upgrade request within 300 ms");
    } finally {
      for (Socket socket : slow) {
        socket.close();
      }
    }
  }

  @Test
  void aCompleteUpgradeIsNotTimedOutLater() throws Exception {
    gateway = TestGateways.onLoopback().handshakeTimeout(SHORT).build().start();
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Close(9));
      assertThat(client.next()).isEqualTo(new Event.Error(9, "unknown id 9"));

      Thread.sleep(3 * SHORT.toMillis()); // past the deadline: it ended with the upgrade

      client.sendJson(new Request.Close(10));
      assertThat(client.next()).isEqualTo(new Event.Error(10, "unknown id 10"));
    }
  }

  @Test
  void aSessionWithoutARequestIsClosedWith1008AfterTheFirstRequestTimeout() throws Exception {
    gateway = TestGateways.onLoopback().firstRequestTimeout(SHORT).build().start();
    try (LogCapture log = new LogCapture(WasmnetGateway.class.getName());
        RawWebSocket idle = RawWebSocket.open(gateway)) {
      assertThat(idle.closeCode()).isEqualTo(1008);
      assertThat(log.lines()).anyMatch(line -> line.contains("no request within 300 ms"));
    }
    // A client that asks at once is served (a raw one: the JDK's may take longer than 300 ms
    // between reading the 101 and sending, the first time it runs in a JVM).
    try (RawWebSocket prompt = RawWebSocket.open(gateway)) {
      prompt.send(
          RawWebSocket.TEXT, "{\"op\":\"close\",\"id\":5}".getBytes(StandardCharsets.UTF_8));
      assertThat(prompt.read().text()).contains("unknown id 5");
    }
  }

  @Test
  void aSessionThatSpeaksInTimeIsNotClosedLater() throws Exception {
    gateway = TestGateways.onLoopback().firstRequestTimeout(SHORT).build().start();
    try (RawWebSocket webSocket = RawWebSocket.open(gateway)) {
      webSocket.send(RawWebSocket.PING, new byte[] {1}); // any frame counts, a ping too
      assertThat(webSocket.read().opcode()).isEqualTo(0xa);

      Thread.sleep(3 * SHORT.toMillis());

      webSocket.send(
          RawWebSocket.TEXT, "{\"op\":\"close\",\"id\":5}".getBytes(StandardCharsets.UTF_8));
      assertThat(webSocket.read().text()).contains("unknown id 5");
    }
  }

  @Test
  void byDefaultASessionMayWaitForItsFirstRequest() throws Exception {
    // A browser or `run --wasmnet` opens its WebSocket first and its sockets when it needs them.
    gateway = TestGateways.onLoopback().build().start();
    try (RawWebSocket webSocket = RawWebSocket.open(gateway)) {
      Thread.sleep(3 * SHORT.toMillis());

      webSocket.send(
          RawWebSocket.TEXT, "{\"op\":\"close\",\"id\":5}".getBytes(StandardCharsets.UTF_8));
      assertThat(webSocket.read().text()).contains("unknown id 5");
    }
  }

  @Test
  void oneAddressHoldsAtMostTheCapAndAClosedConnectionFreesItsPlace() throws Exception {
    gateway = TestGateways.onLoopback().maxConnectionsPerAddress(4).build().start();
    List<Socket> held = new ArrayList<>();
    try (LogCapture log = new LogCapture(WasmnetGateway.class.getName())) {
      for (int i = 0; i < 3; i++) {
        held.add(RawHttp.open(gateway)); // connected, nothing sent: each holds a place
      }
      try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
        assertSessionServes(client); // the fourth place

        try (Socket refused = RawHttp.open(gateway)) {
          assertThat(RawHttp.closedByGateway(refused)).as("over the cap").isTrue();
        }
        assertSessionServes(client);
      }
      assertThat(log.lines())
          .filteredOn(line -> line.contains("refused a connection from 127.0.0.1"))
          .singleElement()
          .asString()
          .contains("it has 4 open, the limit per address");

      // The client's place is free again once the gateway has seen it close.
      assertServesEventually(gateway);
    } finally {
      for (Socket socket : held) {
        socket.close();
      }
    }
  }

  /** A fresh client opens a connection through the gateway and echoes a line. */
  private void assertServes(WasmnetGateway gateway) throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      assertSessionServes(client);
    }
  }

  private int nextId = 1;

  private void assertSessionServes(WasmnetTestClient client) throws Exception {
    long id = nextId++;
    client.sendJson(new Request.Connect(id, "127.0.0.1", peer.port()));
    assertThat(client.next()).isEqualTo(new Event.Connected(id));
    client.sendJson(new Request.Send(id, "ping".getBytes(StandardCharsets.UTF_8)));
    assertThat(client.next(Event.Data.class).data()).asString().isEqualTo("ping");
  }

  /** The gateway learns of a close on its own loop: retry until the place is free (bounded). */
  private void assertServesEventually(WasmnetGateway gateway) throws Exception {
    while (true) {
      try {
        assertServes(gateway);
        return;
      } catch (Exception e) {
        Thread.sleep(10); // the handshake failed: the place is still taken
      }
    }
  }
}
