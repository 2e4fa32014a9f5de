package dev.wasisockets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.GuestRun.Mode;
import dev.wasisockets.GuestRun.Result;
import dev.wasisockets.GuestRun.Server;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.policy.Limits;
import dev.wasisockets.policy.NetworkPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Echo servers from four toolchains, each on a listener the host preopened at fd 3, each talked to
 * by real loopback clients: what a client sends comes back byte for byte.
 */
class EchoServerGuestsTest {
  private static final int CONNECTIONS = 3;

  static Stream<Arguments> everyServer() {
    return combine(
        GuestFixture.C_PREVIEW1_ECHO_SERVER,
        GuestFixture.C_POLL_ECHO_SERVER,
        GuestFixture.RUST_STD_ECHO_SERVER,
        GuestFixture.GO_ECHO_SERVER);
  }

  static Stream<Arguments> concurrentServers() {
    return combine(GuestFixture.C_POLL_ECHO_SERVER, GuestFixture.GO_ECHO_SERVER);
  }

  @ParameterizedTest(name = "{0} ({1})")
  @MethodSource("everyServer")
  void echoesConnectionsOneAfterAnother(GuestFixture fixture, Mode mode) throws Exception {
    try (Server server = GuestRun.serve(fixture.bytes(), mode, "" + CONNECTIONS)) {
      for (int i = 0; i < CONNECTIONS; i++) {
        try (Socket client = connect(server)) {
          String message = "message " + i + " " + "x".repeat(i * 5000);
          assertThat(EchoClient.exchange(client, message)).isEqualTo(message);
        }
      }

      Result result = server.join();
      assertThat(result.stderr()).isEmpty();
      assertThat(result.stdout()).isEqualTo("served " + CONNECTIONS + "\n");
      assertThat(result.exitCode()).isZero();
    }
  }

  /**
   * A limit of 3 sockets (the listener and two connections) serves any number of connections one
   * after another: a non-blocking accept that finds nothing (Go's and the poll server's normal
   * case) takes nothing from the limit, and a closed connection gives its place back.
   */
  @ParameterizedTest(name = "{0} ({1})")
  @MethodSource("everyServer")
  void aConnectionLimitOfThreeServesEightConnectionsOneAfterAnother(GuestFixture fixture, Mode mode)
      throws Exception {
    int connections = 8;
    NetworkPolicy policy =
        NetworkPolicy.builder().limits(Limits.NONE.withMaxConnections(3)).build();
    InetSocketAddress listen = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    try (Server server = GuestRun.serve(fixture.bytes(), mode, policy, listen, "" + connections)) {
      for (int i = 0; i < connections; i++) {
        try (Socket client = connect(server)) {
          String message = "connection " + i;
          assertThat(EchoClient.exchange(client, message))
              .as("echo on connection %d", i)
              .isEqualTo(message);
        }
      }

      Result result = server.join();
      assertThat(result.stderr()).isEmpty();
      assertThat(result.stdout()).isEqualTo("served " + connections + "\n");
      assertThat(result.exitCode()).isZero();
    }
  }

  @ParameterizedTest(name = "{0} ({1})")
  @MethodSource("everyServer")
  void echoesOnAnIpv6Listener(GuestFixture fixture, Mode mode) throws Exception {
    InetAddress ipv6Loopback = InetAddress.getByName("::1");
    InetSocketAddress listen = new InetSocketAddress(ipv6Loopback, 0);
    try (Server server =
        GuestRun.serve(fixture.bytes(), mode, NetworkPolicy.denyAll(), listen, "2")) {
      for (int i = 0; i < 2; i++) {
        try (Socket client = new Socket(ipv6Loopback, server.port())) {
          String message = "over IPv6 " + i;
          assertThat(EchoClient.exchange(client, message)).isEqualTo(message);
        }
      }

      Result result = server.join();
      assertThat(result.stdout()).isEqualTo("served 2\n");
      assertThat(result.exitCode()).isZero();
    }
  }

  /**
   * Two thousand connections open at once: wasi-libc's {@code poll()} keeps 80 bytes per polled
   * descriptor on the stack (160 KiB here), more than a default 64 KiB stack holds; the poll server
   * is linked with a stack for its 16,384 connections, and a stack that overflows anyway traps
   * instead of writing over the guest's data.
   */
  @Test
  @Timeout(120)
  void thePollServerServesTwoThousandConnectionsOpenAtOnce() throws Exception {
    int connections = 2_000;
    try (Server server =
        GuestRun.serve(GuestFixture.C_POLL_ECHO_SERVER.bytes(), Mode.COMPILER, "" + connections)) {
      List<Socket> clients = new ArrayList<>();
      for (int i = 0; i < connections; i++) {
        clients.add(connect(server));
      }
      for (int i = 0; i < connections; i++) {
        byte[] message = ("connection " + i + "\n").getBytes(StandardCharsets.UTF_8);
        clients.get(i).getOutputStream().write(message);
      }
      for (int i = 0; i < connections; i++) {
        Socket client = clients.get(i);
        String expected = "connection " + i + "\n";
        byte[] echo = client.getInputStream().readNBytes(expected.length());
        assertThat(new String(echo, StandardCharsets.UTF_8)).isEqualTo(expected);
        client.close();
      }

      Result result = server.join();
      assertThat(result.stderr()).isEmpty();
      assertThat(result.stdout()).isEqualTo("served " + connections + "\n");
      assertThat(result.exitCode()).isZero();
    }
  }

  @ParameterizedTest(name = "{0} ({1})")
  @MethodSource("concurrentServers")
  void servesConnectionsConcurrently(GuestFixture fixture, Mode mode) throws Exception {
    int connections = 8;
    try (Server server = GuestRun.serve(fixture.bytes(), mode, "" + connections)) {
      List<Socket> clients = new ArrayList<>();
      for (int i = 0; i < connections; i++) {
        clients.add(connect(server));
      }
      // Every connection is open before any is served to its end: only a server that serves
      // them at once answers the later ones.
      for (int i = connections - 1; i >= 0; i--) {
        Socket client = clients.get(i);
        client.getOutputStream().write(("ping " + i + "\n").getBytes(StandardCharsets.UTF_8));
        byte[] echo = client.getInputStream().readNBytes(("ping " + i + "\n").length());
        assertThat(new String(echo, StandardCharsets.UTF_8)).isEqualTo("ping " + i + "\n");
      }
      for (Socket client : clients) {
        client.shutdownOutput();
        assertThat(client.getInputStream().read()).as("end of stream").isEqualTo(-1);
        client.close();
      }

      Result result = server.join();
      assertThat(result.stdout()).isEqualTo("served " + connections + "\n");
      assertThat(result.exitCode()).isZero();
    }
  }

  private static Socket connect(Server server) throws IOException {
    return new Socket(InetAddress.getLoopbackAddress(), server.port());
  }

  private static Stream<Arguments> combine(GuestFixture... fixtures) {
    return Stream.of(fixtures)
        .flatMap(f -> Stream.of(Mode.values()).map(mode -> Arguments.of(f, mode)));
  }
}
