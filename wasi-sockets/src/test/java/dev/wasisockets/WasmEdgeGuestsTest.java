package dev.wasisockets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.GuestRun.Mode;
import dev.wasisockets.GuestRun.Result;
import dev.wasisockets.GuestRun.Server;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Guests on the WasmEdge socket extension beyond the plain client: lookup, UDP, Rust. */
class WasmEdgeGuestsTest {
  private static final int EACCES = 2;

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aLookupClientResolvesLocalhostWhenLookupsAreGranted(Mode mode) throws Exception {
    try (LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
      NetworkPolicy policy =
          NetworkPolicy.builder()
              .allowLookup()
              .allow(NetworkUse.TCP_CONNECT, "127.0.0.1:" + server.port())
              .build();

      Result result =
          GuestRun.run(
              GuestFixture.WASMEDGE_LOOKUP_CLIENT.bytes(),
              mode,
              policy,
              "localhost",
              "" + server.port(),
              "by name");

      assertThat(server.receivedLine()).isEqualTo("by name\n");
      assertThat(result.stdout()).isEqualTo("echo: by name\n");
      assertThat(result.exitCode()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aLookupWithoutTheGrantIsEaccesAndLogged(Mode mode) {
    NetworkPolicy policy = NetworkPolicy.builder().allow(NetworkUse.TCP_CONNECT, "*").build();
    try (LogCapture log = new LogCapture("dev.wasisockets.policy.NetworkPolicy")) {
      Result result =
          GuestRun.run(
              GuestFixture.WASMEDGE_LOOKUP_CLIENT.bytes(), mode, policy, "localhost", "9", "x");

      assertThat(result.exitCode()).isEqualTo(EACCES);
      assertThat(result.stderr()).isEqualTo("sock_getaddrinfo failed: errno 2\n");
      assertThat(log.lines())
          .containsExactly(
              "denied name lookup of localhost (rule: default deny; no --allow-lookup grant matches)");
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aRustClientOnTheV1FormsConnectsReportsItsPeerAndExchangesALine(Mode mode) throws Exception {
    try (LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
      NetworkPolicy policy =
          NetworkPolicy.builder()
              .allow(NetworkUse.TCP_CONNECT, "127.0.0.1:" + server.port())
              .build();

      Result result =
          GuestRun.run(
              GuestFixture.RUST_WASMEDGE_CLIENT.bytes(),
              mode,
              policy,
              "127.0.0.1",
              "" + server.port(),
              "from rust");

      assertThat(server.receivedLine()).isEqualTo("from rust\n");
      assertThat(result.stdout())
          .isEqualTo("peer 127.0.0.1:" + server.port() + "\necho: from rust\n");
      assertThat(result.exitCode()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aTcpServerBindsListensAndEchoesEachConnection(Mode mode) throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort(); // free now; the guest binds it next
    }
    NetworkPolicy policy =
        NetworkPolicy.builder().allow(NetworkUse.BIND, "127.0.0.1:" + port).build();
    try (Server guest =
        GuestRun.start(
            GuestFixture.WASMEDGE_TCP_SERVER.bytes(), mode, policy, "127.0.0.1", "" + port, "2")) {
      for (int i = 0; i < 2; i++) {
        try (Socket client = connectWhenListening(guest, port)) {
          byte[] message = ("connection " + i).getBytes(StandardCharsets.UTF_8);
          client.getOutputStream().write(message);
          client.shutdownOutput();
          assertThat(client.getInputStream().readAllBytes()).isEqualTo(message);
        }
      }

      Result result = guest.join();
      assertThat(result.stdout()).isEqualTo("listening on " + port + "\nserved 2\n");
      assertThat(result.exitCode()).isZero();
    }
  }

  /**
   * Connects to {@code port} on loopback once the guest listens there (refused until then); fails
   * with what the guest printed if it ends first.
   */
  static Socket connectWhenListening(Server guest, int port) throws Exception {
    for (int attempt = 0; ; attempt++) {
      try {
        return new Socket(InetAddress.getLoopbackAddress(), port);
      } catch (ConnectException e) {
        if (guest.result().isDone()) {
          Result ended = guest.join();
          throw new AssertionError(
              "the guest ended (" + ended.exitCode() + ") before it listened: " + ended.stderr());
        }
        assertThat(attempt).as("connection attempts refused").isLessThan(300);
        Thread.sleep(50);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aUdpEchoServerSendsEachDatagramBackToItsSender(Mode mode) throws Exception {
    int port;
    try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort(); // free now; the guest binds it next
    }
    NetworkPolicy policy =
        NetworkPolicy.builder()
            .allow(NetworkUse.BIND, "127.0.0.1:" + port)
            .allow(NetworkUse.UDP_SEND, "127.0.0.1")
            .build();
    try (Server guest =
            GuestRun.start(
                GuestFixture.WASMEDGE_UDP_ECHO.bytes(), mode, policy, "127.0.0.1", "" + port, "3");
        DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      client.setSoTimeout(200);
      InetSocketAddress server = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
      for (int i = 0; i < 3; i++) {
        byte[] payload = ("datagram " + i).getBytes(StandardCharsets.UTF_8);
        DatagramPacket reply = new DatagramPacket(new byte[2048], 2048);
        // UDP may drop, and the guest may not have bound yet: send again until the echo comes.
        for (int attempt = 0; ; attempt++) {
          client.send(new DatagramPacket(payload, payload.length, server));
          try {
            client.receive(reply);
            break;
          } catch (java.net.SocketTimeoutException e) {
            assertThat(attempt).as("attempts without an echo").isLessThan(50);
          }
        }
        assertThat(new String(reply.getData(), 0, reply.getLength(), StandardCharsets.UTF_8))
            .isEqualTo("datagram " + i);
      }

      Result result = guest.join();
      assertThat(result.stdout()).isEqualTo("echoed 3\n");
      assertThat(result.exitCode()).isZero();
    }
  }
}
