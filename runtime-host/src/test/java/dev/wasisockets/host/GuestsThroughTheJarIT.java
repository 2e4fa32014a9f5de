package dev.wasisockets.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.wasisockets.LoopbackLineServer;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.gateway.WasmnetGateway;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.ProcessBuilder.Redirect;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every guest fixture run as a user runs it: {@code java -jar wasi-sockets.jar run ...}, with the
 * grants on the command line, against real loopback peers.
 */
class GuestsThroughTheJarIT {
  private static final Path JAR = Path.of(System.getProperty("wasi-sockets.jar"));

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(
      value = GuestFixture.class,
      names = {
        "C_PREVIEW1_ECHO_SERVER",
        "C_POLL_ECHO_SERVER",
        "RUST_STD_ECHO_SERVER",
        "RUST_TOKIO_ECHO_SERVER",
        "GO_ECHO_SERVER"
      })
  void echoServersServeOnAPreopenedListener(GuestFixture fixture) throws Exception {
    Process process = start("--tcplisten", "127.0.0.1:0", copy(fixture), "2");
    try {
      int port = announcedPort(process);
      for (int i = 0; i < 2; i++) {
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
          client.getOutputStream().write(("round " + i).getBytes(StandardCharsets.UTF_8));
          client.shutdownOutput();
          assertThat(text(client.getInputStream().readAllBytes())).isEqualTo("round " + i);
        }
      }
      assertThat(text(process.getInputStream().readAllBytes())).isEqualTo("served 2\n");
      assertThat(exitCode(process)).isZero();
    } finally {
      process.destroyForcibly();
    }
  }

  @Test
  void theStdinRelayServesItsConnectionWhileThePipeOnItsStdinIsQuiet() throws Exception {
    Process process =
        start(Redirect.PIPE, "--tcplisten", "127.0.0.1:0", copy(GuestFixture.C_STDIN_SOCKET_RELAY));
    try (Socket client = new Socket(InetAddress.getLoopbackAddress(), announcedPort(process))) {
      client.setSoTimeout(20_000); // a guest stuck reading stdin fails the read
      client.getOutputStream().write("hello\n".getBytes(StandardCharsets.UTF_8));
      assertThat(text(client.getInputStream().readNBytes(12))).isEqualTo("heard hello\n");

      OutputStream keyboard = process.getOutputStream();
      keyboard.write("typed\n".getBytes(StandardCharsets.UTF_8));
      keyboard.flush();
      assertThat(text(client.getInputStream().readNBytes(6))).isEqualTo("typed\n");

      client.shutdownOutput();
      assertThat(client.getInputStream().read()).as("end of stream").isEqualTo(-1);
      assertThat(text(process.getInputStream().readAllBytes()))
          .isEqualTo("socket: hello\nstdin: typed\ndone\n");
      assertThat(exitCode(process)).isZero();
    } finally {
      process.destroyForcibly();
    }
  }

  @Test
  void theStdinRelaySendsAFileGivenOnStdinAndSeesItsEnd() throws Exception {
    Path input = Files.writeString(dir.resolve("input.txt"), "from a file\n");
    Process process =
        start(
            Redirect.from(input.toFile()),
            "--tcplisten",
            "127.0.0.1:0",
            copy(GuestFixture.C_STDIN_SOCKET_RELAY));
    try (Socket client = new Socket(InetAddress.getLoopbackAddress(), announcedPort(process))) {
      client.setSoTimeout(20_000);
      assertThat(text(client.getInputStream().readNBytes(12))).isEqualTo("from a file\n");

      client.getOutputStream().write("hi\n".getBytes(StandardCharsets.UTF_8));
      assertThat(text(client.getInputStream().readNBytes(9))).isEqualTo("heard hi\n");
      client.shutdownOutput();
      assertThat(client.getInputStream().read()).as("end of stream").isEqualTo(-1);
      assertThat(text(process.getInputStream().readAllBytes()))
          .isEqualTo("stdin: from a file\nstdin: end\nsocket: hi\ndone\n");
      assertThat(exitCode(process)).isZero();
    } finally {
      process.destroyForcibly();
    }
  }

  @Test
  void theLookupClientResolvesLocalhostWithTheLookupGrant() throws Exception {
    try (LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
      String port = "" + server.port();
      Process process =
          start(
              "--allow-lookup",
              "--allow-connect",
              "127.0.0.1:" + port,
              copy(GuestFixture.WASMEDGE_LOOKUP_CLIENT),
              "localhost",
              port,
              "named");

      assertThat(text(process.getInputStream().readAllBytes())).isEqualTo("echo: named\n");
      assertThat(exitCode(process)).isZero();
    }
  }

  @Test
  void theRustWasmEdgeClientExchangesALine() throws Exception {
    try (LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
      String port = "" + server.port();
      Process process =
          start(
              "--allow-connect",
              "127.0.0.1:" + port,
              copy(GuestFixture.RUST_WASMEDGE_CLIENT),
              "127.0.0.1",
              port,
              "rusty");

      assertThat(text(process.getInputStream().readAllBytes()))
          .isEqualTo("peer 127.0.0.1:" + port + "\necho: rusty\n");
      assertThat(exitCode(process)).isZero();
    }
  }

  @Test
  void theAssemblyScriptClientFetchesAPageInThe2020Dialect() throws Exception {
    HttpServer http =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext(
        "/",
        exchange -> {
          byte[] body = "from the jar\n".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    http.start();
    try {
      String port = "" + http.getAddress().getPort();
      Process process =
          start(
              "--allow-connect",
              "127.0.0.1:" + port,
              copy(GuestFixture.AS_HTTP_CLIENT),
              "127.0.0.1",
              port,
              "/");

      assertThat(text(process.getInputStream().readAllBytes()))
          .startsWith("HTTP/1.1 200 OK")
          .endsWith("\r\n\r\nfrom the jar\n");
      assertThat(exitCode(process)).isZero();
    } finally {
      http.stop(0);
    }
  }

  @Test
  void theUdpEchoServerAnswersWithTheBindAndUdpGrants() throws Exception {
    int port;
    try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Process process =
        start(
            "--allow-bind",
            "127.0.0.1:" + port,
            "--allow-udp",
            "127.0.0.1",
            copy(GuestFixture.WASMEDGE_UDP_ECHO),
            "127.0.0.1",
            "" + port,
            "1");
    try (DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      client.setSoTimeout(200);
      byte[] payload = "ping".getBytes(StandardCharsets.UTF_8);
      DatagramPacket reply = new DatagramPacket(new byte[64], 64);
      for (int attempt = 0; ; attempt++) {
        client.send(
            new DatagramPacket(
                payload,
                payload.length,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), port)));
        try {
          client.receive(reply);
          break;
        } catch (SocketTimeoutException e) {
          assertThat(attempt).as("attempts without an echo").isLessThan(100);
        }
      }
      assertThat(new String(reply.getData(), 0, reply.getLength(), StandardCharsets.UTF_8))
          .isEqualTo("ping");
      assertThat(text(process.getInputStream().readAllBytes())).isEqualTo("echoed 1\n");
      assertThat(exitCode(process)).isZero();
    } finally {
      process.destroyForcibly();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"binary", "json"})
  void aClientGoesThroughAWasmnetServerWithTheLocalGrantsFirst(String framing) throws Exception {
    NetworkPolicy gatewayPolicy =
        NetworkPolicy.builder().allow(NetworkUse.TCP_CONNECT, "loopback").build();
    try (WasmnetGateway gateway =
            WasmnetGateway.builder()
                .host("127.0.0.1")
                .port(0)
                .policy(gatewayPolicy)
                .build()
                .start();
        LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
      String port = "" + server.port();
      List<String> arguments = new ArrayList<>();
      arguments.addAll(List.of("--wasmnet", "ws://127.0.0.1:" + gateway.address().getPort() + "/"));
      if (framing.equals("json")) {
        arguments.add("--wasmnet-json");
      }
      arguments.addAll(
          List.of(
              "--allow-connect",
              "127.0.0.1:" + port,
              copy(GuestFixture.WASMEDGE_TCP_CLIENT),
              "127.0.0.1",
              port,
              "tunnelled"));
      Process process = start(arguments.toArray(String[]::new));

      assertThat(text(process.getInputStream().readAllBytes())).isEqualTo("echo: tunnelled\n");
      assertThat(server.receivedLine()).isEqualTo("tunnelled\n");
      assertThat(exitCode(process)).isZero();
    }
  }

  /**
   * A WasmEdge server guest that binds and listens itself, through {@code --wasmnet}: the wasmnet
   * server listens for it, on the port it chose for port 0, which the guest learns and prints.
   */
  @ParameterizedTest
  @ValueSource(strings = {"binary", "json"})
  void aWasmEdgeServerListensOnAWasmnetServer(String framing) throws Exception {
    NetworkPolicy gatewayPolicy =
        NetworkPolicy.builder().allow(NetworkUse.BIND, "127.0.0.1").build();
    try (WasmnetGateway gateway =
        WasmnetGateway.builder().host("127.0.0.1").port(0).policy(gatewayPolicy).build().start()) {
      List<String> arguments = new ArrayList<>();
      arguments.addAll(List.of("--wasmnet", "ws://127.0.0.1:" + gateway.address().getPort() + "/"));
      if (framing.equals("json")) {
        arguments.add("--wasmnet-json");
      }
      arguments.addAll(
          List.of(
              "--allow-bind",
              "127.0.0.1",
              copy(GuestFixture.WASMEDGE_TCP_SERVER),
              "127.0.0.1",
              "0",
              "2"));
      Process process = start(arguments.toArray(String[]::new));
      try {
        BufferedReader stdout =
            new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String listening = stdout.readLine();
        assertThat(listening).startsWith("listening on ");
        int port = Integer.parseInt(listening.substring("listening on ".length()));
        assertThat(port).isPositive();
        for (int i = 0; i < 2; i++) {
          try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
            client.getOutputStream().write(("bound " + i).getBytes(StandardCharsets.UTF_8));
            client.shutdownOutput();
            assertThat(text(client.getInputStream().readAllBytes())).isEqualTo("bound " + i);
          }
        }
        assertThat(stdout.readLine()).isEqualTo("served 2");
        assertThat(stdout.readLine()).isNull();
        assertThat(exitCode(process)).isZero();
      } finally {
        process.destroyForcibly();
      }
    }
  }

  @Test
  void anUnreachableWasmnetServerIsOneLineAndExitCode2() throws Exception {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0)) {
      closedPort = probe.getLocalPort();
    }
    Process process =
        start(
            "--wasmnet",
            "ws://127.0.0.1:" + closedPort + "/",
            copy(GuestFixture.WASMEDGE_TCP_CLIENT),
            "127.0.0.1",
            "9",
            "x");

    assertThat(text(process.getErrorStream().readAllBytes()))
        .startsWith("wasi-sockets: --wasmnet: cannot open the wasmnet WebSocket ws://127.0.0.1:")
        .hasLineCount(1);
    assertThat(exitCode(process)).isEqualTo(2);
  }

  private String copy(GuestFixture fixture) {
    return fixture.copyTo(dir).toString();
  }

  private static Process start(String... runArguments) throws IOException {
    Process process = start(Redirect.PIPE, runArguments);
    process.getOutputStream().close();
    return process;
  }

  /** The launcher with {@code stdin} as its standard input. */
  private static Process start(Redirect stdin, String... runArguments) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-jar", JAR.toString(), "run"));
    command.addAll(List.of(runArguments));
    return new ProcessBuilder(command).redirectInput(stdin).start();
  }

  /** The port from the launcher's first stderr line, "wasi-sockets: fd 3 listens on A:P". */
  private static int announcedPort(Process process) throws IOException {
    BufferedReader stderr =
        new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
    String line = stderr.readLine();
    assertThat(line).startsWith("wasi-sockets: fd 3 listens on 127.0.0.1:");
    return Integer.parseInt(line.substring(line.lastIndexOf(':') + 1));
  }

  private static int exitCode(Process process) throws InterruptedException {
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited within 60 s").isTrue();
    return process.exitValue();
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
