package dev.wasisockets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.GuestRun.Mode;
import dev.wasisockets.GuestRun.Result;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** The C guest built against the WasmEdge socket ABI, embedded, talking to a real loopback peer. */
class WasmEdgeTcpClientTest {
  private static final byte[] CLIENT = GuestFixture.WASMEDGE_TCP_CLIENT.bytes();
  private static final int EACCES = 2;

  @ParameterizedTest
  @EnumSource(Mode.class)
  void sendsALineAndPrintsTheReplyOverIpv4(Mode mode) throws Exception {
    try (LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
      NetworkPolicy policy = allowConnect("127.0.0.1:" + server.port());

      Result result =
          GuestRun.run(CLIENT, mode, policy, "127.0.0.1", "" + server.port(), "hello, peer");

      assertThat(server.receivedLine()).isEqualTo("hello, peer\n");
      assertThat(result.stdout()).isEqualTo("echo: hello, peer\n");
      assertThat(result.stderr()).isEmpty();
      assertThat(result.exitCode()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void sendsALineAndPrintsTheReplyOverIpv6(Mode mode) throws Exception {
    try (LoopbackLineServer server = new LoopbackLineServer(InetAddress.getByName("::1"))) {
      NetworkPolicy policy = allowConnect("[::1]:" + server.port());

      Result result = GuestRun.run(CLIENT, mode, policy, "::1", "" + server.port(), "over six");

      assertThat(server.receivedLine()).isEqualTo("over six\n");
      assertThat(result.stdout()).isEqualTo("echo: over six\n");
      assertThat(result.exitCode()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void connectToAnAddressNotGrantedReturnsEaccesAndLogsTheRule(Mode mode) throws Exception {
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.INET);
        LogCapture log = new LogCapture("dev.wasisockets.policy.NetworkPolicy")) {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      server.configureBlocking(false);
      int port = server.socket().getLocalPort();
      // A grant for the neighbouring port only: the guest's port is not granted.
      NetworkPolicy policy = allowConnect("127.0.0.1:" + (port + 1));

      Result result = GuestRun.run(CLIENT, mode, policy, "127.0.0.1", "" + port, "let me in");

      assertThat(result.exitCode()).isEqualTo(EACCES);
      assertThat(result.stderr()).isEqualTo("sock_connect failed: errno 2\n");
      assertThat(log.lines())
          .containsExactly(
              "denied tcp connect to 127.0.0.1:"
                  + port
                  + " (rule: default deny; no --allow-connect grant matches)");
      // The guest's call returned before any handshake: nothing is waiting to be accepted.
      assertThat(server.accept()).isNull();
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void anIpv4MappedIpv6AddressIsJudgedAsTheIpv4AddressItCarries(Mode mode) throws Exception {
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.INET);
        LogCapture log = new LogCapture("dev.wasisockets.policy.NetworkPolicy")) {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      server.configureBlocking(false);
      int port = server.socket().getLocalPort();
      NetworkPolicy policy = allowConnect("[::1]:" + port); // IPv6 loopback only

      Result result = GuestRun.run(CLIENT, mode, policy, "::ffff:127.0.0.1", "" + port, "sneaky");

      assertThat(result.exitCode()).isEqualTo(EACCES);
      assertThat(log.lines()).singleElement().asString().contains("to 127.0.0.1:" + port);
      assertThat(server.accept()).isNull();
    }
  }

  @ParameterizedTest(name = "{0} ({1})")
  @CsvSource({
    "64:ff9b::7f00:1, deny loopback, 127.0.0.1, INTERPRETER",
    "64:ff9b::a00:1, deny private, 10.0.0.1, COMPILER",
    "2002:7f00:1::, deny loopback, 127.0.0.1, INTERPRETER",
    "::7f00:1, deny loopback, 127.0.0.1, COMPILER",
    "::ffff:0:7f00:1, deny loopback, 127.0.0.1, INTERPRETER",
  })
  void anAddressThatCarriesADeniedIpv4AddressIsEacces(
      String address, String rule, String carried, Mode mode) {
    // Issue 12's case: --allow-connect '*' --deny loopback --deny private. A denied connect never
    // reaches the network, so no route to these addresses is needed: without the policy, the
    // guest would get ENETUNREACH or the like here, never EACCES.
    NetworkPolicy policy =
        NetworkPolicy.builder()
            .allow(NetworkUse.TCP_CONNECT, "*")
            .deny(NetworkUse.TCP_CONNECT, "loopback")
            .deny(NetworkUse.TCP_CONNECT, "private")
            .build();
    try (LogCapture log = new LogCapture("dev.wasisockets.policy.NetworkPolicy")) {
      Result result = GuestRun.run(CLIENT, mode, policy, address, "80", "through a translator");

      assertThat(result.exitCode()).isEqualTo(EACCES);
      assertThat(result.stderr()).isEqualTo("sock_connect failed: errno 2\n");
      assertThat(log.lines())
          .containsExactly(
              "denied tcp connect to ["
                  + address
                  + "]:80, which carries "
                  + carried
                  + " (rule: "
                  + rule
                  + ")");
    }
  }

  private static NetworkPolicy allowConnect(String rule) {
    return NetworkPolicy.builder().allow(NetworkUse.TCP_CONNECT, rule).build();
  }
}
