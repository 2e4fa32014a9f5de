package dev.wasisockets.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.LogCapture;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.wasmnet.NettyLeakCheck;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.Request;
import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The access log through a real gateway: its lines for a session's open and close, with what
 * crossed, and for each denied request, escaped and within their budget.
 */
@ExtendWith(NettyLeakCheck.class)
@Timeout(30)
class GatewayAccessLogTest {
  private static final String CLIENT = "client=127\\.0\\.0\\.1:\\d+";

  /** Loopback allowed except where a test connects to be denied: 127.0.0.2 and 192.0.2.0/24. */
  private static final NetworkPolicy POLICY =
      NetworkPolicy.builder()
          .allow(NetworkUse.TCP_CONNECT, "*")
          .allow(NetworkUse.BIND, "127.0.0.1")
          .allow(NetworkUse.UDP_SEND, "127.0.0.1")
          .allow(NetworkUse.LOOKUP, "*.test")
          .deny(NetworkUse.TCP_CONNECT, "127.0.0.2")
          .deny(NetworkUse.TCP_CONNECT, "192.0.2.0/24")
          .build();

  private final AtomicLong clock = new AtomicLong();
  private WasmnetGateway gateway;
  private LogCapture log;

  @BeforeEach
  void start() throws Exception {
    log = new LogCapture(AccessLog.LOGGER_NAME);
    gateway =
        TestGateways.onLoopback()
            .policy(POLICY)
            .token("s3cret")
            .resolver(
                name -> {
                  if (name.equals("inside.test")) {
                    return List.of(InetAddress.getByName("192.0.2.9"));
                  }
                  throw new UnknownHostException(name);
                })
            .build()
            .start();
  }

  @AfterEach
  void stop() {
    gateway.close();
    log.close();
  }

  @Test
  void aSessionIsAnOpenLineAndACloseLineWithWhatCrossed() throws Exception {
    byte[] up = new byte[100_000];
    new Random(7).nextBytes(up);
    try (EchoPeer peer = new EchoPeer();
        WasmnetTestClient client =
            WasmnetTestClient.connect(
                WasmnetTestClient.uri(gateway, "/?room=7&token=s3cret"),
                Map.of("Origin", "https://app.example"))) {
      assertThat(awaitLine("event=open"))
          .matches(
              "event=open session=1 " + CLIENT + " origin=https://app.example path=\"/\\?room=7\"");

      client.sendJson(new Request.Connect(1, "127.0.0.1", peer.port()));
      assertThat(client.next()).isEqualTo(new Event.Connected(1));
      // 60,000 bytes in binary framing, the rest in JSON: the session used both.
      client.sendBinary(new Request.Send(1, Arrays.copyOfRange(up, 0, 60_000)));
      client.sendJson(new Request.Send(1, Arrays.copyOfRange(up, 60_000, up.length)));
      assertThat(echoed(client, up.length)).isEqualTo(up);
      client.sendJson(new Request.Close(1)); // the peer sees end of stream and closes
      assertThat(client.next()).isEqualTo(new Event.Closed(1));

      client.sendClose(1000, "done");
      assertThat(client.closeCode()).isEqualTo(1000);

      assertThat(awaitLine("event=close"))
          .matches(
              "event=close session=1 "
                  + CLIENT
                  + " origin=https://app.example duration_ms=\\d+ requests=4 sockets=1"
                  + " denials=0 bytes_to_peers=100000 bytes_from_peers=100000"
                  + " framing=json\\+binary close=1000 close_reason=done closed_by=client");
    }
    // The token is a secret: no line has it.
    assertThat(log.lines()).noneMatch(line -> line.contains("s3cret"));
  }

  @Test
  void everyKindOfSocketThatOpenedIsCountedAndTheBytesOfDatagramsToo() throws Exception {
    try (DatagramSocket udpPeer =
            new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        WasmnetTestClient client = connect()) {
      client.sendBinary(new Request.Bind(1, "127.0.0.1", 0));
      int port = client.next(Event.Listening.class).port();
      try (Socket remote = new Socket(InetAddress.getLoopbackAddress(), port)) {
        client.next(Event.Accepted.class);
        remote.getOutputStream().write(new byte[] {1, 2, 3});
        assertThat(client.next(Event.Data.class).data()).containsExactly(1, 2, 3);
      }
      assertThat(client.next()).isEqualTo(new Event.Closed(1_000_001L));
      client.sendBinary(new Request.ConnectUdp(2, "127.0.0.1", udpPeer.getLocalPort()));
      client.next(Event.UdpBound.class);
      client.sendBinary(new Request.Send(2, new byte[] {4, 5, 6, 7}));
      DatagramPacket datagram = new DatagramPacket(new byte[16], 16);
      udpPeer.setSoTimeout(10_000);
      udpPeer.receive(datagram);
      assertThat(datagram.getLength()).isEqualTo(4);
      udpPeer.send(
          new DatagramPacket(new byte[] {8, 9}, 2, datagram.getAddress(), datagram.getPort()));
      assertThat(client.next(Event.DataFrom.class).data()).containsExactly(8, 9);
      // Refused ones are not sockets: a denial and an id in use.
      client.sendBinary(new Request.Connect(3, "127.0.0.2", 9));
      client.next(Event.Denied.class);
      client.sendBinary(new Request.ConnectUdp(2, "127.0.0.1", udpPeer.getLocalPort()));
      client.next(Event.Error.class);
    }

    assertThat(awaitLine("event=close"))
        .contains(
            " requests=5 sockets=3 denials=1 bytes_to_peers=4 bytes_from_peers=5 framing=binary"
                + " close=1006 close_reason=- closed_by=-");
  }

  @Test
  void aDeniedConnectIsALineNamingTheRule() throws Exception {
    try (WasmnetTestClient client = connect()) {
      client.sendJson(new Request.Connect(7, "127.0.0.2", 22));
      assertThat(client.next())
          .isEqualTo(
              new Event.Denied(
                  7, "tcp connect to 127.0.0.2:22 denied by policy (rule: deny 127.0.0.2)"));
      // By name: looked up, and the address it has is denied.
      client.sendJson(new Request.ConnectTls(8, "inside.test", 443));
      assertThat(client.next(Event.Denied.class).msg()).contains("(rule: deny 192.0.2.0/24)");

      assertThat(deniedLines())
          .satisfiesExactly(
              line ->
                  assertThat(line)
                      .matches(
                          "event=denied session=1 "
                              + CLIENT
                              + " origin=- op=connect id=7 target=127.0.0.2:22"
                              + " rule=\"deny 127.0.0.2\""),
              line ->
                  assertThat(line)
                      .matches(
                          "event=denied session=1 "
                              + CLIENT
                              + " origin=- op=connect_tls id=8 target=inside.test:443"
                              + " rule=\"deny 192.0.2.0/24\""));
    }
    assertThat(awaitLine("event=close")).contains(" denials=2 ");
  }

  @Test
  void aDeniedResolveAndADeniedSendToAreLinesNamingTheRule() throws Exception {
    try (WasmnetTestClient client = connect()) {
      client.sendJson(new Request.Resolve(3, "example.com"));
      assertThat(client.next(Event.Denied.class).msg()).endsWith("(rule: default deny)");
      client.sendJson(new Request.ConnectUdp(4, "127.0.0.1", 9));
      client.next(Event.UdpBound.class);
      client.sendJson(new Request.SendTo(4, "::1", 53, new byte[] {1}));
      assertThat(client.next(Event.Denied.class).msg()).endsWith("(rule: default deny)");

      assertThat(deniedLines())
          .satisfiesExactly(
              line ->
                  assertThat(line)
                      .endsWith(
                          " origin=- op=resolve id=3 target=example.com rule=\"default deny\""),
              line ->
                  assertThat(line)
                      .endsWith(" origin=- op=send_to id=4 target=[::1]:53 rule=\"default deny\""));
    }
  }

  @Test
  void hostileTextComesOutEscapedOnOneLine() throws Exception {
    // Header values may hold a tab, quotes and bytes beyond ASCII (RFC 9110 §5.5); a name in a
    // request any character, a newline included; a close reason too.
    String origin = "https://a\"b\\c.example\tx=\u00e9";
    try (RawWebSocket client =
        RawWebSocket.open(gateway, "Authorization: Bearer s3cret\r\nOrigin: " + origin + "\r\n")) {
      assertThat(awaitLine("event=open"))
          .endsWith(" origin=\"https://a\\\"b\\\\c.example\\tx=\\u00e9\" path=/");

      // A newline, a quote, a right-to-left override and a MessageFormat pattern in a name.
      client.send(
          RawWebSocket.TEXT,
          ("{\"op\":\"resolve\",\"id\":5,\"name\":\"evil\\n2026 event=open session=99 \\\""
                  + "\u202e{0}.example\"}")
              .getBytes(StandardCharsets.UTF_8));
      assertThat(client.read().text()).contains("\"ev\":\"denied\"");

      ByteArrayOutputStream close = new ByteArrayOutputStream();
      close.write(new byte[] {0x03, (byte) 0xe8}); // 1000
      close.writeBytes("bye\r\nevent=close".getBytes(StandardCharsets.UTF_8));
      client.send(RawWebSocket.CLOSE, close.toByteArray());
      assertThat(client.closeCode()).isEqualTo(1000);

      assertThat(deniedLines())
          .singleElement()
          .satisfies(
              line ->
                  assertThat(line)
                      .endsWith(
                          " op=resolve id=5 target=\"evil\\n2026 event=open session=99"
                              + " \\\"\\u202e{0}.example\" rule=\"default deny\""));
      assertThat(awaitLine("event=close"))
          .contains(" close=1000 close_reason=\"bye\\r\\nevent=close\" closed_by=client");
    }
    assertThat(log.lines())
        .hasSize(3)
        .allMatch(line -> line.chars().allMatch(c -> c >= 0x20 && c < 0x7f));
  }

  @Test
  void aFloodOfDenialsStaysWithinTheBudgetAndTheCloseLineCountsThemAll() throws Exception {
    gateway.close();
    gateway = TestGateways.onLoopback().policy(POLICY).accessLogClock(clock::get).build().start();
    int flood = 300;
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      for (int id = 1; id <= flood; id++) {
        client.sendBinary(new Request.Connect(id, "127.0.0.2", 9));
      }
      for (int id = 1; id <= flood; id++) {
        client.next(Event.Denied.class);
      }
      // The clock stands still: one interval, ten lines.
      assertThat(deniedLines()).hasSize(10);

      clock.addAndGet(Duration.ofSeconds(1).toNanos());
      client.sendBinary(new Request.Connect(flood + 1, "127.0.0.2", 9));
      client.next(Event.Denied.class);
      List<String> lines = log.lines();
      assertThat(lines.get(lines.size() - 2))
          .isEqualTo(
              (flood - 10)
                  + " more denied requests not logged in the last 1.0 s (at most 10 lines a"
                  + " second)");
      assertThat(lines.get(lines.size() - 1)).contains(" id=301 ");
    }
    assertThat(awaitLine("event=close"))
        .contains(" duration_ms=1000 requests=301 sockets=0 denials=301 ");
  }

  @Test
  void aSessionTheGatewayEndsSaysSo() throws Exception {
    try (WasmnetTestClient client = connect()) {
      awaitLine("event=open");
      gateway.close();
      assertThat(client.closeCode()).isEqualTo(1001);
    }
    assertThat(awaitLine("event=close"))
        .endsWith(" framing=- close=1001 close_reason=\"Endpoint unavailable\" closed_by=gateway");
  }

  @Test
  void sessionIdsCountUpWithinTheGateway() throws Exception {
    try (WasmnetTestClient first = connect()) {
      awaitLine("event=open session=1");
      try (WasmnetTestClient second = connect()) {
        awaitLine("event=open session=2");
        first.sendJson(new Request.Resolve(1, "example.com"));
        first.next();
        second.sendJson(new Request.Resolve(1, "example.com"));
        second.next();
      }
    }
    assertThat(deniedLines())
        .satisfiesExactly(
            line -> assertThat(line).startsWith("event=denied session=1 "),
            line -> assertThat(line).startsWith("event=denied session=2 "));
  }

  private WasmnetTestClient connect() throws Exception {
    return WasmnetTestClient.connect(
        WasmnetTestClient.uri(gateway, ""), Map.of("Authorization", "Bearer s3cret"));
  }

  /** Collects {@code data} events until {@code length} bytes came back. */
  private static byte[] echoed(WasmnetTestClient client, int length) throws Exception {
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    while (received.size() < length) {
      received.writeBytes(client.next(Event.Data.class).data());
    }
    return received.toByteArray();
  }

  private List<String> deniedLines() {
    return log.lines().stream().filter(line -> line.startsWith("event=denied ")).toList();
  }

  /**
   * The first line that starts with {@code start}, once it is written: a close line comes when the
   * gateway has seen the WebSocket end, a moment after the client did (the test's timeout bounds
   * the wait).
   */
  private String awaitLine(String start) throws InterruptedException {
    Pattern prefix = Pattern.compile(Pattern.quote(start) + "( |$)");
    while (true) {
      for (String line : log.lines()) {
        if (prefix.matcher(line).lookingAt()) {
          return line;
        }
      }
      Thread.sleep(10);
    }
  }
}
