package dev.wasisockets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.GuestRun.Mode;
import dev.wasisockets.GuestRun.Result;
import dev.wasisockets.GuestRun.Server;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.gateway.WasmnetGateway;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.wasmnet.NettyLeakCheck;
import dev.wasisockets.wasmnet.client.WasmnetOptions;
import dev.wasisockets.wasmnet.client.WasmnetTransport;
import dev.wasisockets.wasmnet.protocol.Framing;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Guests whose sockets go through the wasmnet transport to our gateway, which does the real
 * networking on loopback: the bytes are the ones the direct transport gets.
 */
@ExtendWith(NettyLeakCheck.class)
class WasmnetGuestsTest {
  private static final int EACCES = 2;
  private static final int EADDRINUSE = 3;

  /** The gateway's policy in these tests: loopback, which its default denies. */
  private static final NetworkPolicy LOOPBACK =
      NetworkPolicy.builder()
          .allow(NetworkUse.TCP_CONNECT, "loopback")
          .allow(NetworkUse.BIND, "loopback")
          .allow(NetworkUse.UDP_SEND, "loopback")
          .allowLookup()
          .build();

  static Stream<Arguments> framingsAndModes() {
    return Stream.of(Framing.values())
        .flatMap(framing -> Stream.of(Mode.values()).map(mode -> Arguments.of(framing, mode)));
  }

  static Stream<Arguments> serversAndFramings() {
    return Stream.of(
            GuestFixture.C_PREVIEW1_ECHO_SERVER,
            GuestFixture.C_POLL_ECHO_SERVER,
            GuestFixture.RUST_STD_ECHO_SERVER,
            GuestFixture.GO_ECHO_SERVER)
        .flatMap(fixture -> Stream.of(Framing.values()).map(f -> Arguments.of(fixture, f)));
  }

  @ParameterizedTest(name = "{0} ({1})")
  @MethodSource("framingsAndModes")
  void aTcpClientExchangesALineThroughTheGateway(Framing framing, Mode mode) throws Exception {
    try (WasmnetGateway gateway = gateway(LOOPBACK);
        LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
      NetworkPolicy local =
          NetworkPolicy.builder()
              .allow(NetworkUse.TCP_CONNECT, "127.0.0.1:" + server.port())
              .build();

      Result result =
          GuestRun.run(
              GuestFixture.WASMEDGE_TCP_CLIENT.bytes(),
              mode,
              local,
              transport(gateway, framing),
              "127.0.0.1",
              "" + server.port(),
              "through wasmnet");

      assertThat(server.receivedLine()).isEqualTo("through wasmnet\n");
      assertThat(result.stdout()).isEqualTo("echo: through wasmnet\n");
      assertThat(result.stderr()).isEmpty();
      assertThat(result.exitCode()).isZero();
    }
  }

  @ParameterizedTest(name = "{0} ({1})")
  @MethodSource("serversAndFramings")
  void anEchoServerListensOnTheGatewayAndEchoesEachConnection(GuestFixture fixture, Framing framing)
      throws Exception {
    int connections = 3;
    try (WasmnetGateway gateway = gateway(LOOPBACK);
        Server server =
            GuestRun.serve(
                fixture.bytes(), Mode.COMPILER, transport(gateway, framing), "" + connections)) {
      for (int i = 0; i < connections; i++) {
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
          String message = "message " + i + " " + "x".repeat(i * 50_000);
          assertThat(EchoClient.exchange(client, message)).isEqualTo(message);
        }
      }

      Result result = server.join();
      assertThat(result.stdout()).isEqualTo("served " + connections + "\n");
      assertThat(result.exitCode()).isZero();
    }
  }

  /**
   * A WasmEdge server guest binds 127.0.0.1:PORT and listens itself, as it would on WasmEdge: the
   * gateway listens there for it (wasmnet's bind, then listen), and sock_getlocaladdr says where.
   */
  @ParameterizedTest
  @EnumSource(Framing.class)
  void aWasmEdgeServerThatBindsItselfListensOnTheGateway(Framing framing) throws Exception {
    int port = freePort();
    NetworkPolicy local =
        NetworkPolicy.builder().allow(NetworkUse.BIND, "127.0.0.1:" + port).build();
    try (WasmnetGateway gateway = gateway(LOOPBACK);
        Server server =
            GuestRun.start(
                GuestFixture.WASMEDGE_TCP_SERVER.bytes(),
                Mode.COMPILER,
                local,
                transport(gateway, framing),
                "127.0.0.1",
                "" + port,
                "2")) {
      for (int i = 0; i < 2; i++) {
        try (Socket client = WasmEdgeGuestsTest.connectWhenListening(server, port)) {
          String message = "bound " + i + " " + "y".repeat(i * 70_000);
          assertThat(EchoClient.exchange(client, message)).isEqualTo(message);
        }
      }

      Result result = server.join();
      assertThat(result.stderr()).isEmpty();
      assertThat(result.stdout()).isEqualTo("listening on " + port + "\nserved 2\n");
      assertThat(result.exitCode()).isZero();
    }
  }

  /** The server binds only at the guest's listen: a port in use there is EADDRINUSE for it. */
  @ParameterizedTest
  @EnumSource(Framing.class)
  void aPortInUseOnTheGatewayIsEaddrinuseAtListen(Framing framing) throws Exception {
    try (WasmnetGateway gateway = gateway(LOOPBACK);
        ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      NetworkPolicy local =
          NetworkPolicy.builder().allow(NetworkUse.BIND, "127.0.0.1:" + port).build();

      Result result =
          GuestRun.run(
              GuestFixture.WASMEDGE_TCP_SERVER.bytes(),
              Mode.COMPILER,
              local,
              transport(gateway, framing),
              "127.0.0.1",
              "" + port,
              "1");

      assertThat(result.stderr()).isEqualTo("sock_listen failed: errno " + EADDRINUSE + "\n");
      assertThat(result.exitCode()).isEqualTo(EADDRINUSE);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(
      value = GuestFixture.class,
      names = {"C_POLL_ECHO_SERVER", "GO_ECHO_SERVER"})
  void aPollingServerServesItsConnectionsAtOnceThroughTheGateway(GuestFixture fixture)
      throws Exception {
    int connections = 8;
    try (WasmnetGateway gateway = gateway(LOOPBACK);
        Server server =
            GuestRun.serve(
                fixture.bytes(),
                Mode.COMPILER,
                transport(gateway, Framing.BINARY),
                "" + connections)) {
      List<Socket> clients = new ArrayList<>();
      for (int i = 0; i < connections; i++) {
        clients.add(new Socket(InetAddress.getLoopbackAddress(), server.port()));
      }
      // All open before any is served to its end: only a server that polls them all answers.
      for (int i = connections - 1; i >= 0; i--) {
        byte[] ping = ("ping " + i + "\n").getBytes(StandardCharsets.UTF_8);
        clients.get(i).getOutputStream().write(ping);
        assertThat(clients.get(i).getInputStream().readNBytes(ping.length)).isEqualTo(ping);
      }
      for (Socket client : clients) {
        client.shutdownOutput();
        assertThat(client.getInputStream().read()).as("end of stream").isEqualTo(-1);
        client.close();
      }

      assertThat(server.join().stdout()).isEqualTo("served " + connections + "\n");
    }
  }

  @ParameterizedTest
  @EnumSource(Framing.class)
  void aLookupGoesToTheGateway(Framing framing) throws Exception {
    try (WasmnetGateway gateway = gateway(LOOPBACK);
        LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
      NetworkPolicy local =
          NetworkPolicy.builder()
              .allowLookup()
              .allow(NetworkUse.TCP_CONNECT, "loopback:" + server.port())
              .build();

      Result result =
          GuestRun.run(
              GuestFixture.WASMEDGE_LOOKUP_CLIENT.bytes(),
              Mode.COMPILER,
              local,
              transport(gateway, framing),
              "localhost",
              "" + server.port(),
              "by name");

      assertThat(server.receivedLine()).isEqualTo("by name\n");
      assertThat(result.stdout()).isEqualTo("echo: by name\n");
      assertThat(result.exitCode()).isZero();
    }
  }

  @Test
  void aLookupTheGatewayRefusesIsEaccesAsALocalRefusalIs() throws Exception {
    NetworkPolicy noLookups =
        NetworkPolicy.builder().allow(NetworkUse.TCP_CONNECT, "loopback").build();
    try (WasmnetGateway gateway = gateway(noLookups)) {
      NetworkPolicy local =
          NetworkPolicy.builder().allowLookup().allow(NetworkUse.TCP_CONNECT, "loopback").build();

      Result result =
          GuestRun.run(
              GuestFixture.WASMEDGE_LOOKUP_CLIENT.bytes(),
              Mode.COMPILER,
              local,
              transport(gateway, Framing.BINARY),
              "localhost",
              "9",
              "x");

      assertThat(result.exitCode()).isEqualTo(EACCES);
      assertThat(result.stderr()).isEqualTo("sock_getaddrinfo failed: errno 2\n");
    }
  }

  @ParameterizedTest
  @EnumSource(Framing.class)
  void theGatewaysDenialIsEaccesForTheGuest(Framing framing) throws Exception {
    // The gateway's default policy denies loopback; the local one grants it.
    try (WasmnetGateway gateway = gateway(NetworkPolicy.gatewayDefault());
        ServerSocketChannel server = loopbackServer()) {
      int port = server.socket().getLocalPort();
      NetworkPolicy local =
          NetworkPolicy.builder().allow(NetworkUse.TCP_CONNECT, "127.0.0.1:" + port).build();

      Result result =
          GuestRun.run(
              GuestFixture.WASMEDGE_TCP_CLIENT.bytes(),
              Mode.COMPILER,
              local,
              transport(gateway, framing),
              "127.0.0.1",
              "" + port,
              "let me in");

      assertThat(result.exitCode()).isEqualTo(EACCES);
      assertThat(result.stderr()).isEqualTo("sock_connect failed: errno 2\n");
      assertThat(server.accept()).isNull();
    }
  }

  @ParameterizedTest
  @EnumSource(Framing.class)
  void theLocalPolicyDecidesBeforeAnythingIsSent(Framing framing) throws Exception {
    try (WasmnetGateway gateway = gateway(LOOPBACK);
        ServerSocketChannel server = loopbackServer();
        LogCapture log = new LogCapture("dev.wasisockets.policy.NetworkPolicy")) {
      int port = server.socket().getLocalPort();

      Result result =
          GuestRun.run(
              GuestFixture.WASMEDGE_TCP_CLIENT.bytes(),
              Mode.COMPILER,
              NetworkPolicy.denyAll(),
              transport(gateway, framing),
              "127.0.0.1",
              "" + port,
              "let me in");

      assertThat(result.exitCode()).isEqualTo(EACCES);
      assertThat(log.lines())
          .containsExactly(
              "denied tcp connect to 127.0.0.1:"
                  + port
                  + " (rule: default deny; no --allow-connect grant matches)");
      assertThat(server.accept()).isNull();
    }
  }

  static WasmnetGateway gateway(NetworkPolicy policy) throws IOException {
    return WasmnetGateway.builder().host("127.0.0.1").port(0).policy(policy).build().start();
  }

  static WasmnetTransport transport(WasmnetGateway gateway, Framing framing) throws IOException {
    InetSocketAddress address = gateway.address();
    URI uri = URI.create("ws://127.0.0.1:" + address.getPort() + "/");
    return WasmnetTransport.connect(uri, WasmnetOptions.DEFAULT.withFraming(framing));
  }

  /** A loopback port free now; the guest binds it next. */
  private static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
  }

  private static ServerSocketChannel loopbackServer() throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.INET);
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    server.configureBlocking(false);
    return server;
  }
}
