package dev.wasisockets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.GuestRun.Mode;
import dev.wasisockets.GuestRun.Result;
import dev.wasisockets.GuestRun.Server;
import dev.wasisockets.core.events.SocketReceiveEvent;
import dev.wasisockets.core.events.SocketSendEvent;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.policy.Limits;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import jdk.jfr.EventType;
import jdk.jfr.SettingDescriptor;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Flight Recorder events of real guests on real loopback sockets, read back from the recording
 * file: what they say must be what crossed the wire, as the peer saw it.
 */
class FlightRecorderEventsTest {
  // A guest's first socket takes the lowest free descriptor: 0-2 are stdio, there are no preopens.
  private static final int FIRST_SOCKET = 3;
  private static final Mode MODE = Mode.COMPILER; // the events are the host's: any mode will do

  @TempDir Path dir;

  @Test
  void aClientsLookupConnectSendReceiveAndCloseSayWhatCrossedTheWire() throws Exception {
    List<RecordedEvent> events;
    InetSocketAddress client;
    int port;
    try (LoopbackLineServer server = LoopbackLineServer.onIpv4();
        GuestEventRecording recording = GuestEventRecording.ofEverything()) {
      port = server.port();
      NetworkPolicy policy =
          NetworkPolicy.builder()
              .allowLookup()
              .allow(NetworkUse.TCP_CONNECT, "127.0.0.1:" + port)
              .build();

      Result result =
          GuestRun.run(
              GuestFixture.WASMEDGE_LOOKUP_CLIENT.bytes(),
              MODE,
              policy,
              "localhost",
              "" + port,
              "by name");

      assertThat(result.exitCode()).isZero();
      assertThat(server.receivedLine()).isEqualTo("by name\n");
      client = server.clientAddress();
      events = recording.eventsOf(Thread.currentThread(), dir);
    }
    long sentOnTheWire = "by name\n".length();
    long receivedOnTheWire = "echo: by name\n".length();

    RecordedEvent lookup = only(events, "NameLookup");
    assertThat(lookup.getString("name")).isEqualTo("localhost");
    assertThat(lookup.getInt("addressCount")).isPositive();
    assertThat(lookup.getString("addresses")).contains("127.0.0.1");
    assertThat(lookup.getString("errno")).isNull();

    List<RecordedEvent> decisions = named(events, "PolicyDecision");
    assertThat(decisions).hasSize(2);
    assertThat(decisions.get(0).getString("use")).isEqualTo("name lookup");
    assertThat(decisions.get(0).getString("name")).isEqualTo("localhost");
    assertThat(decisions.get(0).getString("rule")).isEqualTo("allow *");
    assertThat(decisions.get(0).getBoolean("allowed")).isTrue();
    RecordedEvent connectDecision = decisions.get(1);
    assertThat(connectDecision.getInt("fd")).isEqualTo(FIRST_SOCKET);
    assertThat(connectDecision.getString("use")).isEqualTo("tcp connect");
    assertThat(connectDecision.getString("address")).isEqualTo("127.0.0.1");
    assertThat(connectDecision.getInt("port")).isEqualTo(port);
    assertThat(connectDecision.getString("name")).isEqualTo("localhost");
    assertThat(connectDecision.getString("rule")).isEqualTo("allow 127.0.0.1:" + port);
    assertThat(connectDecision.getBoolean("allowed")).isTrue();

    RecordedEvent connect = only(events, "SocketConnect");
    assertEnds(connect, "tcp", client, new InetSocketAddress("127.0.0.1", port));
    assertThat(connect.getString("errno")).isNull();

    List<RecordedEvent> sends = named(events, "SocketSend");
    assertThat(sends).allSatisfy(send -> assertEnds(send, "tcp", client, port));
    assertThat(sends).allSatisfy(send -> assertThat(send.getString("errno")).isNull());
    assertThat(sum(sends, "bytesSent")).isEqualTo(sentOnTheWire);
    assertThat(sends.get(0).getLong("bytesAsked")).isEqualTo(sentOnTheWire); // one gathering send

    List<RecordedEvent> receives = named(events, "SocketReceive");
    assertThat(receives).allSatisfy(receive -> assertEnds(receive, "tcp", client, port));
    assertThat(sum(receives, "bytesReceived")).isEqualTo(receivedOnTheWire);
    assertThat(receives.get(0).getLong("bytesAsked")).isEqualTo(4096); // the guest's buffer

    RecordedEvent close = only(events, "SocketClose");
    assertEnds(close, "tcp", client, port);
    assertThat(close.getLong("bytesSent")).isEqualTo(sentOnTheWire);
    assertThat(close.getLong("bytesReceived")).isEqualTo(receivedOnTheWire);

    assertThat(named(events, "SocketAccept")).isEmpty();
    assertThat(named(events, "Throttle")).isEmpty();
  }

  @Test
  void aDeniedConnectIsADecisionNamingTheRuleAndAConnectFailedWithEacces() throws Exception {
    List<RecordedEvent> events;
    int port;
    try (ServerSocket listening = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        LogCapture log = new LogCapture("dev.wasisockets.policy.NetworkPolicy");
        GuestEventRecording recording = GuestEventRecording.ofEveryEventAndTheDefaultDecisions()) {
      port = listening.getLocalPort();
      NetworkPolicy policy =
          NetworkPolicy.builder()
              .allow(NetworkUse.TCP_CONNECT, "127.0.0.1")
              .deny(NetworkUse.TCP_CONNECT, "127.0.0.1:" + port)
              .build();

      Result result =
          GuestRun.run(
              GuestFixture.WASMEDGE_TCP_CLIENT.bytes(), MODE, policy, "127.0.0.1", "" + port, "x");

      assertThat(result.stderr()).isEqualTo("sock_connect failed: errno 2\n");
      assertThat(log.lines())
          .containsExactly(
              "denied tcp connect to 127.0.0.1:" + port + " (rule: deny 127.0.0.1:" + port + ")");
      events = recording.eventsOf(Thread.currentThread(), dir);
    }

    RecordedEvent denial = only(events, "PolicyDecision");
    assertThat(denial.getInt("fd")).isEqualTo(FIRST_SOCKET);
    assertThat(denial.getString("use")).isEqualTo("tcp connect");
    assertThat(denial.getString("address")).isEqualTo("127.0.0.1");
    assertThat(denial.getInt("port")).isEqualTo(port);
    assertThat(denial.getString("name")).isNull();
    assertThat(denial.getString("rule")).isEqualTo("deny 127.0.0.1:" + port);
    assertThat(denial.getBoolean("allowed")).isFalse();

    RecordedEvent connect = only(events, "SocketConnect");
    assertThat(connect.getInt("fd")).isEqualTo(FIRST_SOCKET);
    assertThat(connect.getString("errno")).isEqualTo("EACCES");
    assertThat(connect.getString("remoteAddress")).isEqualTo("127.0.0.1");
    assertThat(connect.getInt("remotePort")).isEqualTo(port);
    assertThat(connect.getString("localAddress")).isNull(); // it never reached the network

    // The host closed the socket when the guest exited: it moved nothing.
    RecordedEvent close = only(events, "SocketClose");
    assertThat(close.getInt("fd")).isEqualTo(FIRST_SOCKET);
    assertThat(close.getLong("bytesSent")).isZero();
    assertThat(named(events, "SocketSend")).isEmpty();
  }

  @Test
  void aDeniedLookupIsADecisionAndALookupFailedWithEacces() throws Exception {
    List<RecordedEvent> events;
    try (GuestEventRecording recording = GuestEventRecording.ofEveryEventAndTheDefaultDecisions()) {
      NetworkPolicy policy = NetworkPolicy.builder().allow(NetworkUse.TCP_CONNECT, "*").build();

      Result result =
          GuestRun.run(
              GuestFixture.WASMEDGE_LOOKUP_CLIENT.bytes(), MODE, policy, "localhost", "9", "x");

      assertThat(result.stderr()).isEqualTo("sock_getaddrinfo failed: errno 2\n");
      events = recording.eventsOf(Thread.currentThread(), dir);
    }

    RecordedEvent denial = only(events, "PolicyDecision");
    assertThat(denial.getString("use")).isEqualTo("name lookup");
    assertThat(denial.getString("name")).isEqualTo("localhost");
    assertThat(denial.getString("address")).isNull();
    assertThat(denial.getString("rule")).isEqualTo("default deny");
    assertThat(denial.getBoolean("allowed")).isFalse();
    RecordedEvent lookup = only(events, "NameLookup");
    assertThat(lookup.getString("name")).isEqualTo("localhost");
    assertThat(lookup.getString("errno")).isEqualTo("EACCES");
    assertThat(lookup.getInt("addressCount")).isZero();
  }

  @Test
  void aServersAcceptReceivesSendsAndCloseSayWhatTheClientSentAndGotBack() throws Exception {
    String message = "one line, and another\n";
    List<RecordedEvent> events;
    InetSocketAddress client;
    InetSocketAddress listener;
    try (GuestEventRecording recording = GuestEventRecording.ofEverything();
        Server guest = GuestRun.serve(GuestFixture.C_PREVIEW1_ECHO_SERVER.bytes(), MODE)) {
      listener = new InetSocketAddress("127.0.0.1", guest.port());
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), guest.port())) {
        client = (InetSocketAddress) socket.getLocalSocketAddress();
        assertThat(EchoClient.exchange(socket, message)).isEqualTo(message);
      }
      assertThat(guest.join().exitCode()).isZero();
      events = recording.eventsOf(guest.thread(), dir);
    }

    RecordedEvent accept = only(events, "SocketAccept");
    assertThat(accept.getInt("fd")).isEqualTo(FIRST_SOCKET); // the preopened listener
    int connection = accept.getInt("acceptedFd");
    assertThat(connection).isEqualTo(FIRST_SOCKET + 1);
    assertEnds(accept, "tcp", listener, client);
    assertThat(accept.getString("errno")).isNull();

    List<RecordedEvent> receives = named(events, "SocketReceive");
    assertThat(receives)
        .allSatisfy(receive -> assertThat(receive.getInt("fd")).isEqualTo(connection));
    assertThat(receives).allSatisfy(receive -> assertEnds(receive, "tcp", listener, client));
    assertThat(sum(receives, "bytesReceived")).isEqualTo(message.length());
    RecordedEvent last = receives.get(receives.size() - 1);
    assertThat(last.getBoolean("endOfStream")).as("the client's half-close").isTrue();
    assertThat(last.getLong("bytesReceived")).isZero();

    List<RecordedEvent> sends = named(events, "SocketSend");
    assertThat(sends).allSatisfy(send -> assertEnds(send, "tcp", listener, client));
    assertThat(sum(sends, "bytesSent")).isEqualTo(message.length());

    Map<Integer, RecordedEvent> closes =
        named(events, "SocketClose").stream()
            .collect(Collectors.toMap(close -> close.getInt("fd"), close -> close));
    assertThat(closes).containsOnlyKeys(FIRST_SOCKET, connection);
    assertThat(closes.get(connection).getLong("bytesReceived")).isEqualTo(message.length());
    assertThat(closes.get(connection).getLong("bytesSent")).isEqualTo(message.length());
    assertThat(closes.get(FIRST_SOCKET).getInt("localPort")).isEqualTo(listener.getPort());
  }

  @Test
  void aDatagramsReceiveAndItsEchoNameTheirSenderAndDestination() throws Exception {
    int port;
    try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort(); // free now; the guest binds it next
    }
    NetworkPolicy policy =
        NetworkPolicy.builder()
            .allow(NetworkUse.BIND, "127.0.0.1:" + port)
            .allow(NetworkUse.UDP_SEND, "127.0.0.1")
            .build();
    byte[] payload = "one datagram".getBytes(StandardCharsets.UTF_8);
    List<RecordedEvent> events;
    InetSocketAddress client;
    try (GuestEventRecording recording = GuestEventRecording.ofEverything();
        Server guest =
            GuestRun.start(
                GuestFixture.WASMEDGE_UDP_ECHO.bytes(), MODE, policy, "127.0.0.1", "" + port, "1");
        DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      client = (InetSocketAddress) socket.getLocalSocketAddress();
      socket.setSoTimeout(200);
      DatagramPacket reply = new DatagramPacket(new byte[2048], 2048);
      // The guest may not have bound yet: send again until the echo comes.
      for (int attempt = 0; ; attempt++) {
        socket.send(
            new DatagramPacket(payload, payload.length, new InetSocketAddress("127.0.0.1", port)));
        try {
          socket.receive(reply);
          break;
        } catch (SocketTimeoutException e) {
          assertThat(attempt).as("attempts without an echo").isLessThan(50);
        }
      }
      assertThat(reply.getLength()).isEqualTo(payload.length);
      assertThat(guest.join().exitCode()).isZero();
      events = recording.eventsOf(guest.thread(), dir);
    }
    InetSocketAddress bound = new InetSocketAddress("127.0.0.1", port);

    assertThat(named(events, "PolicyDecision"))
        .extracting(
            decision -> decision.getString("use"), decision -> decision.getBoolean("allowed"))
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("bind", true),
            org.assertj.core.groups.Tuple.tuple("udp send", true));
    RecordedEvent receive = only(events, "SocketReceive");
    assertEnds(receive, "udp", bound, client);
    assertThat(receive.getLong("bytesReceived")).isEqualTo(payload.length);
    assertThat(receive.getBoolean("truncated")).isFalse();
    RecordedEvent send = only(events, "SocketSend");
    assertEnds(send, "udp", bound, client);
    assertThat(send.getLong("bytesAsked")).isEqualTo(payload.length);
    assertThat(send.getLong("bytesSent")).isEqualTo(payload.length);
    RecordedEvent close = only(events, "SocketClose");
    assertThat(close.getString("protocol")).isEqualTo("udp");
    assertThat(close.getLong("bytesSent")).isEqualTo(payload.length);
    assertThat(close.getLong("bytesReceived")).isEqualTo(payload.length);
  }

  @Test
  void aSendAndAReceiveOverTheBandwidthLimitEachWaitInThrottleEvents() throws Exception {
    // 1,000 bytes a second with a second's burst: a 1,200-byte line and its 1,206-byte echo each
    // have to wait for about 200 bytes' worth.
    String line = "x".repeat(1_200);
    List<RecordedEvent> events;
    try (LoopbackLineServer server = LoopbackLineServer.onIpv4();
        GuestEventRecording recording = GuestEventRecording.ofEverything()) {
      NetworkPolicy policy =
          NetworkPolicy.builder()
              .allow(NetworkUse.TCP_CONNECT, "127.0.0.1:" + server.port())
              .limits(Limits.NONE.withBytesPerSecond(1_000))
              .build();

      Result result =
          GuestRun.run(
              GuestFixture.WASMEDGE_TCP_CLIENT.bytes(),
              MODE,
              policy,
              "127.0.0.1",
              "" + server.port(),
              line);

      assertThat(result.exitCode()).isZero();
      assertThat(server.receivedLine()).isEqualTo(line + "\n");
      events = recording.eventsOf(Thread.currentThread(), dir);
    }

    List<RecordedEvent> throttles = named(events, "Throttle");
    assertThat(throttles).extracting(t -> t.getString("direction")).contains("send", "receive");
    assertThat(throttles)
        .allSatisfy(
            throttle -> {
              assertThat(throttle.getInt("fd")).isEqualTo(FIRST_SOCKET);
              assertThat(throttle.getLong("guestLimit")).isEqualTo(1_000);
              assertThat(throttle.getLong("socketLimit")).isZero();
              assertThat(throttle.getLong("bytesAllowed")).isPositive();
              assertThat(throttle.getLong("bytesWanted"))
                  .isGreaterThanOrEqualTo(throttle.getLong("bytesAllowed"));
              assertThat(throttle.getDuration()).isPositive();
            });
    // Every byte still crossed: the close says so.
    RecordedEvent close = only(events, "SocketClose");
    assertThat(close.getLong("bytesSent")).isEqualTo(line.length() + 1);
    assertThat(close.getLong("bytesReceived")).isEqualTo("echo: ".length() + line.length() + 1);
  }

  @Test
  void underTheDefaultSettingsAFastExchangeRecordsItsCloseButNoSendOrReceive() throws Exception {
    List<RecordedEvent> events;
    try (LoopbackLineServer server = LoopbackLineServer.onIpv4();
        GuestEventRecording recording = GuestEventRecording.withDefaultSettings()) {
      NetworkPolicy policy =
          NetworkPolicy.builder()
              .allow(NetworkUse.TCP_CONNECT, "127.0.0.1:" + server.port())
              .build();

      Result result =
          GuestRun.run(
              GuestFixture.WASMEDGE_TCP_CLIENT.bytes(),
              MODE,
              policy,
              "127.0.0.1",
              "" + server.port(),
              "quick");

      assertThat(result.exitCode()).isZero();
      events = recording.eventsOf(Thread.currentThread(), dir);
    }

    // The recording saw the guest (closes are always recorded) ...
    assertThat(only(events, "SocketClose").getLong("bytesSent")).isEqualTo("quick\n".length());
    // ... but a send or receive shorter than the 20 ms threshold is not recorded, and neither is
    // a decision that allowed. (A receive waits for the server's reply: on a loaded machine that
    // may take longer, and then it is recorded, as it should be.)
    assertThat(named(events, "SocketSend"))
        .allSatisfy(e -> assertThat(e.getDuration()).isGreaterThanOrEqualTo(Duration.ofMillis(20)));
    assertThat(named(events, "SocketReceive"))
        .allSatisfy(e -> assertThat(e.getDuration()).isGreaterThanOrEqualTo(Duration.ofMillis(20)));
    assertThat(named(events, "PolicyDecision")).isEmpty();
  }

  @Test
  void theSocketIoEventsDefaultToTheJdksSocketThreshold() {
    for (Class<? extends jdk.jfr.Event> type :
        List.of(SocketSendEvent.class, SocketReceiveEvent.class)) {
      Map<String, String> defaults =
          EventType.getEventType(type).getSettingDescriptors().stream()
              .collect(
                  Collectors.toMap(SettingDescriptor::getName, SettingDescriptor::getDefaultValue));
      assertThat(defaults).containsEntry("enabled", "true").containsEntry("threshold", "20 ms");
    }
  }

  private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
    return events.stream()
        .filter(event -> event.getEventType().getName().equals(GuestEventRecording.PREFIX + name))
        .toList();
  }

  private static RecordedEvent only(List<RecordedEvent> events, String name) {
    List<RecordedEvent> named = named(events, name);
    assertThat(named).as(name + " events").hasSize(1);
    return named.get(0);
  }

  private static long sum(List<RecordedEvent> events, String field) {
    return events.stream().mapToLong(event -> event.getLong(field)).sum();
  }

  private static void assertEnds(
      RecordedEvent event, String protocol, InetSocketAddress local, int remotePort) {
    assertEnds(event, protocol, local, new InetSocketAddress("127.0.0.1", remotePort));
  }

  /** The event's socket fields: its protocol and both ends, as the other end saw them. */
  private static void assertEnds(
      RecordedEvent event, String protocol, InetSocketAddress local, InetSocketAddress remote) {
    assertThat(event.getString("protocol")).isEqualTo(protocol);
    assertThat(event.getString("localAddress")).isEqualTo(local.getAddress().getHostAddress());
    assertThat(event.getInt("localPort")).isEqualTo(local.getPort());
    assertThat(event.getString("remoteAddress")).isEqualTo(remote.getAddress().getHostAddress());
    assertThat(event.getInt("remotePort")).isEqualTo(remote.getPort());
  }
}
