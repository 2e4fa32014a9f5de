package dev.wasisockets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.GuestRun.Mode;
import dev.wasisockets.GuestRun.Result;
import dev.wasisockets.GuestRun.Server;
import dev.wasisockets.ScenarioNetwork.Acceptor;
import dev.wasisockets.ScenarioNetwork.Kind;
import dev.wasisockets.ScenarioNetwork.Link;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.policy.Limits;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 14's "every fixture guest that works on loopback works on the virtual network (same bytes,
 * same errnos)": each scenario runs once on loopback (the direct transport, real sockets) and once
 * on a {@link dev.wasisockets.transport.virtual.VirtualNetwork}, with the same assertions, against
 * Java peers or another guest. Only the addresses differ: 127.0.0.1 and localhost there, 10.0.0.1
 * and "service" here (see {@link ScenarioNetwork}). Guests run compiled: both of Chicory's modes
 * are covered per fixture by the loopback tests, and the transport is below either.
 */
@Timeout(120)
class EveryFixtureOnTheVirtualNetworkTest {
  private static final Mode MODE = Mode.COMPILER;
  private static final int EACCES = 2;
  private static final int EADDRINUSE = 3;
  private static final int ECONNREFUSED = 14;
  private static final int ECONNRESET = 15;
  private static final int ETIMEDOUT = 73;

  static Stream<Arguments> echoServers() {
    return onBoth(
        GuestFixture.C_PREVIEW1_ECHO_SERVER,
        GuestFixture.C_POLL_ECHO_SERVER,
        GuestFixture.RUST_STD_ECHO_SERVER,
        GuestFixture.RUST_TOKIO_ECHO_SERVER,
        GuestFixture.GO_ECHO_SERVER);
  }

  static Stream<Arguments> concurrentEchoServers() {
    return onBoth(
        GuestFixture.C_POLL_ECHO_SERVER,
        GuestFixture.RUST_TOKIO_ECHO_SERVER,
        GuestFixture.GO_ECHO_SERVER);
  }

  static Stream<Arguments> lineClients() {
    return onBoth(
        GuestFixture.WASMEDGE_TCP_CLIENT,
        GuestFixture.WASMEDGE_LOOKUP_CLIENT,
        GuestFixture.RUST_WASMEDGE_CLIENT);
  }

  static Stream<Arguments> everyClient() {
    return onBoth(
        GuestFixture.WASMEDGE_TCP_CLIENT,
        GuestFixture.WASMEDGE_LOOKUP_CLIENT,
        GuestFixture.RUST_WASMEDGE_CLIENT,
        GuestFixture.BENCH_CLIENT,
        GuestFixture.AS_HTTP_CLIENT);
  }

  // ---- Server guests, Java clients ----

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("echoServers")
  void anEchoServerEchoesConnectionsOneAfterAnother(GuestFixture fixture, Kind kind)
      throws Exception {
    try (ScenarioNetwork network = kind.open();
        Server server = serve(network, fixture, "3")) {
      for (int i = 0; i < 3; i++) {
        try (Link client = network.connect(server.port())) {
          byte[] message = message(i, 1000 + i * 70_000);
          client.out().write(message);
          client.shutdownOutput();
          assertThat(client.in().readAllBytes()).as("echo %d", i).isEqualTo(message);
        }
      }

      assertServed(server.join(), "served 3\n");
    }
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("echoServers")
  void anEchoServerEchoesOnAnIpv6Listener(GuestFixture fixture, Kind kind) throws Exception {
    try (ScenarioNetwork network = kind.open();
        Server server =
            serve(
                network,
                fixture,
                new InetSocketAddress(InetAddress.getByName(network.serverAddress6()), 0),
                "2")) {
      for (int i = 0; i < 2; i++) {
        try (Link client = network.connect(network.serverAddress6(), server.port())) {
          byte[] message = ascii("over IPv6 " + i);
          client.out().write(message);
          client.shutdownOutput();
          assertThat(client.in().readAllBytes()).isEqualTo(message);
        }
      }

      assertServed(server.join(), "served 2\n");
    }
  }

  /**
   * A limit of 3 sockets (the listener and two connections) serves eight connections one after
   * another: a non-blocking accept that finds nothing takes nothing from the limit, and a closed
   * connection gives its place back, whichever transport is below.
   */
  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("echoServers")
  void aConnectionLimitOfThreeServesEightConnectionsOneAfterAnother(GuestFixture fixture, Kind kind)
      throws Exception {
    NetworkPolicy policy =
        NetworkPolicy.builder().limits(Limits.NONE.withMaxConnections(3)).build();
    try (ScenarioNetwork network = kind.open();
        Server server =
            GuestRun.serve(
                fixture.bytes(),
                MODE,
                WasiSockets.builder().withPolicy(policy).withTransport(network.serverTransport()),
                network.listenAddress(),
                "8")) {
      for (int i = 0; i < 8; i++) {
        try (Link client = network.connect(server.port())) {
          byte[] message = ascii("connection " + i);
          client.out().write(message);
          client.shutdownOutput();
          assertThat(client.in().readAllBytes()).as("echo on connection %d", i).isEqualTo(message);
        }
      }

      assertServed(server.join(), "served 8\n");
    }
  }

  /**
   * 4 MiB each way at once, far more than the buffers between the two ends hold: the guest's writes
   * meet a full buffer and wait (blocking) or get EAGAIN and poll for room (non-blocking), and
   * every byte comes back in order.
   */
  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("echoServers")
  void anEchoServerEchoesFourMebibytesThroughFullBuffers(GuestFixture fixture, Kind kind)
      throws Exception {
    byte[] payload = message(14, 4 * 1024 * 1024);
    try (ScenarioNetwork network = kind.open();
        Server server = serve(network, fixture, "1");
        Link client = network.connect(server.port())) {
      CompletableFuture<Void> written =
          CompletableFuture.runAsync(
              () -> {
                try {
                  client.out().write(payload);
                  client.shutdownOutput();
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });

      byte[] echoed = client.in().readAllBytes();
      written.get(60, TimeUnit.SECONDS);
      assertThat(echoed.length).isEqualTo(payload.length);
      assertThat(Arrays.equals(echoed, payload)).as("the same bytes, in order").isTrue();
      assertServed(server.join(), "served 1\n");
    }
  }

  /** Two hundred connections open at once on the C poll server, each answered. */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void thePollServerServesTwoHundredConnectionsOpenAtOnce(Kind kind) throws Exception {
    int connections = 200;
    try (ScenarioNetwork network = kind.open();
        Server server = serve(network, GuestFixture.C_POLL_ECHO_SERVER, "" + connections)) {
      List<Link> clients = new ArrayList<>();
      try {
        for (int i = 0; i < connections; i++) {
          clients.add(network.connect(server.port()));
        }
        for (int i = 0; i < connections; i++) {
          clients.get(i).out().write(ascii("connection " + i + "\n"));
        }
        for (int i = 0; i < connections; i++) {
          String expected = "connection " + i + "\n";
          assertThat(receive(clients.get(i), expected)).isEqualTo(expected);
          clients.get(i).close();
        }
      } finally {
        for (Link client : clients) {
          client.close();
        }
      }

      assertServed(server.join(), "served " + connections + "\n");
    }
  }

  /**
   * Four connections open at once, served in the reverse order of connecting: only a server that
   * waits on all of them at once (poll_oneoff: the C poll loop, mio's selector under tokio, Go's
   * netpoller) answers the first one after the others.
   */
  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("concurrentEchoServers")
  void aConcurrentEchoServerServesConnectionsOpenAtOnce(GuestFixture fixture, Kind kind)
      throws Exception {
    try (ScenarioNetwork network = kind.open();
        Server server = serve(network, fixture, "4")) {
      List<Link> clients = new ArrayList<>();
      try {
        for (int i = 0; i < 4; i++) {
          clients.add(network.connect(server.port()));
        }
        for (int i = 3; i >= 0; i--) {
          byte[] message = message(i, 100 + i);
          clients.get(i).out().write(message);
          assertThat(clients.get(i).in().readNBytes(message.length)).isEqualTo(message);
        }
        for (Link client : clients) {
          client.shutdownOutput();
          assertThat(client.in().read()).as("end of stream").isEqualTo(-1);
        }
      } finally {
        for (Link client : clients) {
          client.close();
        }
      }

      assertServed(server.join(), "served 4\n");
    }
  }

  /**
   * Sixteen clients on threads of their own, each sending 200,000 bytes and reading the echo at
   * once: the guest's one poll_oneoff loop meets connections becoming readable and writable in any
   * order, and every client gets its own bytes back.
   */
  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("concurrentEchoServers")
  void aConcurrentEchoServerEchoesSixteenClientsSendingAtOnce(GuestFixture fixture, Kind kind)
      throws Exception {
    int clients = 16;
    // A reader and a writer for each client: a writer waiting for room must not hold up a reader.
    ExecutorService threads = Executors.newFixedThreadPool(2 * clients);
    try (ScenarioNetwork network = kind.open();
        Server server = serve(network, fixture, "" + clients)) {
      List<CompletableFuture<Boolean>> echoes = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        byte[] message = message(100 + i, 200_000);
        echoes.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try (Link client = network.connect(server.port())) {
                    CompletableFuture<Void> written =
                        CompletableFuture.runAsync(
                            () -> {
                              try {
                                client.out().write(message);
                                client.shutdownOutput();
                              } catch (IOException e) {
                                throw new UncheckedIOException(e);
                              }
                            },
                            threads);
                    byte[] echoed = client.in().readAllBytes();
                    written.get(60, TimeUnit.SECONDS);
                    return Arrays.equals(echoed, message);
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                },
                threads));
      }
      for (int i = 0; i < clients; i++) {
        assertThat(echoes.get(i).get(60, TimeUnit.SECONDS)).as("client %d's echo", i).isTrue();
      }

      assertServed(server.join(), "served " + clients + "\n");
    } finally {
      threads.shutdownNow();
    }
  }

  /** Go's net/http: keep-alive connections open at once, one arriving while two are idle. */
  @ParameterizedTest
  @EnumSource(Kind.class)
  @Timeout(300) // the first compile of 8 MB of Go, on a cold cache, takes most of it
  void theGoHttpServerServesKeepAliveConnections(Kind kind) throws Exception {
    byte[] body = message(7, 100_000);
    byte[] hello = "hello\n".getBytes(StandardCharsets.US_ASCII);
    try (ScenarioNetwork network = kind.open();
        Server server = serve(network, GuestFixture.GO_HTTP_SERVER, "-requests", "5")) {
      try (HttpConnection first = new HttpConnection(network.connect(server.port()));
          HttpConnection second = new HttpConnection(network.connect(server.port()))) {
        assertThat(first.get("/")).isEqualTo(hello);
        assertThat(second.post("/echo", body)).isEqualTo(body);
        assertThat(first.get("/")).isEqualTo(hello);
        try (HttpConnection third = new HttpConnection(network.connect(server.port()))) {
          assertThat(third.get("/")).isEqualTo(hello);
          assertThat(second.post("/echo", new byte[] {1, 2, 3})).containsExactly(1, 2, 3);
        }
      }

      assertServed(server.join(), "served 5 requests\n");
    }
  }

  /**
   * The guest polls stdin and its connection at once: the connection is served while stdin is
   * quiet, and stdin's bytes go out on the connection when they come.
   */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void theStdinRelayServesItsConnectionAndItsStdin(Kind kind) throws Exception {
    PipedOutputStream keyboard = new PipedOutputStream();
    PipedInputStream stdin = new PipedInputStream(keyboard, 4096);
    try (ScenarioNetwork network = kind.open();
        Server server =
            GuestRun.serve(
                GuestFixture.C_STDIN_SOCKET_RELAY.bytes(),
                MODE,
                WasiSockets.builder().withTransport(network.serverTransport()),
                network.listenAddress(),
                stdin);
        Link client = network.connect(server.port())) {
      client.out().write(ascii("hello\n"));
      assertThat(receive(client, "heard hello\n")).isEqualTo("heard hello\n");

      keyboard.write(ascii("typed\n"));
      keyboard.flush();
      assertThat(receive(client, "typed\n")).isEqualTo("typed\n");

      client.out().write(ascii("bye\n"));
      assertThat(receive(client, "heard bye\n")).isEqualTo("heard bye\n");
      client.shutdownOutput();
      assertThat(client.in().read()).as("end of stream").isEqualTo(-1);

      assertServed(server.join(), "socket: hello\nstdin: typed\nsocket: bye\ndone\n");
    }
  }

  /** The WasmEdge server guest binds and listens itself, then echoes two connections. */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void theWasmEdgeServerBindsListensAndEchoes(Kind kind) throws Exception {
    try (ScenarioNetwork network = kind.open()) {
      int port = network.freePort();
      try (Server server = startWasmEdgeServer(network, port, "2")) {
        for (int i = 0; i < 2; i++) {
          try (Link client = network.connectWhenListening(server, port)) {
            byte[] message = ascii("connection " + i);
            client.out().write(message);
            client.shutdownOutput();
            assertThat(client.in().readAllBytes()).isEqualTo(message);
          }
        }

        assertServed(server.join(), "listening on " + port + "\nserved 2\n");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void theWasmEdgeServerBindingAPortAJavaListenerHasIsEaddrinuse(Kind kind) throws Exception {
    try (ScenarioNetwork network = kind.open();
        Acceptor taken = network.listen();
        Server server = startWasmEdgeServer(network, taken.port(), "1")) {
      Result result = server.join();

      assertThat(result.stderr()).isEqualTo("sock_bind failed: errno " + EADDRINUSE + "\n");
      assertThat(result.exitCode()).isEqualTo(EADDRINUSE);
    }
  }

  // ---- Client guests, Java servers ----

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("lineClients")
  void aClientExchangesALineWithAJavaServer(GuestFixture fixture, Kind kind) throws Exception {
    try (ScenarioNetwork network = kind.open();
        Acceptor acceptor = network.listen()) {
      CompletableFuture<String> served = acceptor.serveOneLine();

      Result result = runClient(network, fixture, acceptor.port(), allowConnect(network, acceptor));

      assertThat(served.get(30, TimeUnit.SECONDS))
          .isEqualTo("hello, peer\n from " + network.clientAddress());
      assertThat(result.stderr()).isEmpty();
      assertThat(result.stdout())
          .isEqualTo(peerLine(fixture, network, acceptor.port()) + "echo: hello, peer\n");
      assertThat(result.exitCode()).isZero();
    }
  }

  /**
   * 127.0.0.1 in any spelling is the client's own host: the lookup client given "127.1" (an IP
   * literal, looked up without the lookup grant) reaches a listener on its own host's loopback,
   * from 127.0.0.1, with a grant for 127.0.0.1.
   */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void aClientReachesAListenerOnItsOwnHostsLoopback(Kind kind) throws Exception {
    try (ScenarioNetwork network = kind.open();
        Acceptor acceptor = network.listenOnClientLoopback()) {
      CompletableFuture<String> served = acceptor.serveOneLine();
      NetworkPolicy policy =
          NetworkPolicy.builder()
              .allow(NetworkUse.TCP_CONNECT, "127.0.0.1:" + acceptor.port())
              .build();

      Result result =
          GuestRun.run(
              GuestFixture.WASMEDGE_LOOKUP_CLIENT.bytes(),
              MODE,
              policy,
              network.clientTransport(),
              "127.1",
              "" + acceptor.port(),
              "to myself");

      assertThat(served.get(30, TimeUnit.SECONDS)).isEqualTo("to myself\n from 127.0.0.1");
      assertServed(result, "echo: to myself\n");
    }
  }

  /** Nobody listens on the port: every client's connect fails with ECONNREFUSED, at once. */
  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("everyClient")
  void aConnectToAPortNobodyListensOnIsEconnrefused(GuestFixture fixture, Kind kind)
      throws Exception {
    try (ScenarioNetwork network = kind.open()) {
      int port = network.freePort();
      NetworkPolicy policy =
          NetworkPolicy.builder()
              .allowLookup()
              .allow(NetworkUse.TCP_CONNECT, network.serverAddress() + ":" + port)
              .build();

      Result result = runClient(network, fixture, port, policy);

      assertThat(result.stderr()).isEqualTo("sock_connect failed: errno " + ECONNREFUSED + "\n");
      assertThat(result.exitCode()).isEqualTo(ECONNREFUSED);
    }
  }

  /** A grant for the neighbouring port only: EACCES, one log line, and nothing reaches the peer. */
  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("everyClient")
  void aConnectThePolicyDeniesIsEaccesWithTheLogLine(GuestFixture fixture, Kind kind)
      throws Exception {
    try (ScenarioNetwork network = kind.open();
        Acceptor acceptor = network.listen();
        LogCapture log = new LogCapture("dev.wasisockets.policy.NetworkPolicy")) {
      NetworkPolicy policy =
          NetworkPolicy.builder()
              .allowLookup()
              .allow(NetworkUse.TCP_CONNECT, network.serverAddress() + ":" + (acceptor.port() + 1))
              .build();

      Result result = runClient(network, fixture, acceptor.port(), policy);

      assertThat(result.stderr()).isEqualTo("sock_connect failed: errno " + EACCES + "\n");
      assertThat(result.exitCode()).isEqualTo(EACCES);
      assertThat(log.lines())
          .singleElement()
          .asString()
          .startsWith("denied tcp connect to " + network.serverAddress() + ":" + acceptor.port())
          .endsWith("(rule: default deny; no --allow-connect grant matches)");
    }
  }

  /**
   * A Java server that reads one byte of the line and closes with the rest unread resets the
   * connection, as Linux does: the client's receive fails with ECONNRESET.
   */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void closingWithUnreadBytesResetsTheClientsConnection(Kind kind) throws Exception {
    try (ScenarioNetwork network = kind.open();
        Acceptor acceptor = network.listen()) {
      CompletableFuture<Integer> firstByte =
          CompletableFuture.supplyAsync(
              () -> {
                try (Link connection = acceptor.accept()) {
                  return connection.in().read();
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });

      Result result =
          runClient(
              network,
              GuestFixture.WASMEDGE_TCP_CLIENT,
              acceptor.port(),
              allowConnect(network, acceptor));

      assertThat(firstByte.get(30, TimeUnit.SECONDS)).isEqualTo((int) 'h');
      assertThat(result.stderr()).isEqualTo("sock_recv failed: errno " + ECONNRESET + "\n");
      assertThat(result.exitCode()).isEqualTo(ECONNRESET);
    }
  }

  /**
   * A server that reads the line and never answers: past the idle limit the host closes the
   * connection, the guest's waiting receive fails with ETIMEDOUT, and the server reads the end of
   * the stream. The wait is the transport's, with a deadline.
   */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void anIdleConnectionIsClosedByTheHostWithEtimedout(Kind kind) throws Exception {
    try (ScenarioNetwork network = kind.open();
        Acceptor acceptor = network.listen()) {
      CompletableFuture<String> silent =
          CompletableFuture.supplyAsync(
              () -> {
                try (Link connection = acceptor.accept()) {
                  String line = line(connection.in());
                  return line + ", then " + connection.in().read();
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });
      NetworkPolicy policy =
          NetworkPolicy.builder()
              .allow(NetworkUse.TCP_CONNECT, network.serverAddress() + ":" + acceptor.port())
              .limits(Limits.NONE.withIdleTimeout(Duration.ofSeconds(2)))
              .build();

      Result result = runClient(network, GuestFixture.WASMEDGE_TCP_CLIENT, acceptor.port(), policy);

      assertThat(result.stderr()).isEqualTo("sock_recv failed: errno " + ETIMEDOUT + "\n");
      assertThat(result.exitCode()).isEqualTo(ETIMEDOUT);
      assertThat(silent.get(30, TimeUnit.SECONDS)).isEqualTo("hello, peer, then -1");
    }
  }

  /** The benchmark client's bulk send into a Java sink, which counts every byte. */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void theBenchClientSendsItsBytesToAJavaSink(Kind kind) throws Exception {
    int bytes = 1024 * 1024;
    try (ScenarioNetwork network = kind.open();
        Acceptor acceptor = network.listen()) {
      CompletableFuture<Long> sunk =
          CompletableFuture.supplyAsync(
              () -> {
                try (Link connection = acceptor.accept()) {
                  return connection.in().transferTo(OutputStream.nullOutputStream());
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });

      Result result =
          GuestRun.run(
              GuestFixture.BENCH_CLIENT.bytes(),
              MODE,
              allowConnect(network, acceptor),
              network.clientTransport(),
              "send",
              network.serverAddress(),
              "" + acceptor.port(),
              "" + bytes,
              "65536");

      assertThat(sunk.get(30, TimeUnit.SECONDS)).isEqualTo((long) bytes);
      assertServed(result, "done " + bytes + "\n");
    }
  }

  /** The benchmark client reads what a Java source sends, to its count. */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void theBenchClientReceivesAJavaSourcesBytes(Kind kind) throws Exception {
    int bytes = 1024 * 1024;
    try (ScenarioNetwork network = kind.open();
        Acceptor acceptor = network.listen()) {
      CompletableFuture<Void> sent =
          CompletableFuture.runAsync(
              () -> {
                try (Link connection = acceptor.accept()) {
                  connection.out().write(message(3, bytes));
                  connection.shutdownOutput();
                  connection.in().read(); // the client's close
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });

      Result result =
          GuestRun.run(
              GuestFixture.BENCH_CLIENT.bytes(),
              MODE,
              allowConnect(network, acceptor),
              network.clientTransport(),
              "recv",
              network.serverAddress(),
              "" + acceptor.port(),
              "" + bytes,
              "65536");

      sent.get(30, TimeUnit.SECONDS);
      assertServed(result, "done " + bytes + "\n");
    }
  }

  // ---- Guest against guest ----

  @ParameterizedTest
  @EnumSource(Kind.class)
  void theCClientTalksToTheGoEchoServer(Kind kind) throws Exception {
    try (ScenarioNetwork network = kind.open();
        Server server = serve(network, GuestFixture.GO_ECHO_SERVER, "1")) {
      Result client =
          GuestRun.run(
              GuestFixture.WASMEDGE_TCP_CLIENT.bytes(),
              MODE,
              allowConnect(network, server.port()),
              network.clientTransport(),
              network.serverAddress(),
              "" + server.port(),
              "to go");

      assertServed(client, "to go\n");
      assertServed(server.join(), "served 1\n");
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void theRustClientTalksToTheCPollEchoServer(Kind kind) throws Exception {
    try (ScenarioNetwork network = kind.open();
        Server server = serve(network, GuestFixture.C_POLL_ECHO_SERVER, "1")) {
      Result client =
          GuestRun.run(
              GuestFixture.RUST_WASMEDGE_CLIENT.bytes(),
              MODE,
              allowConnect(network, server.port()),
              network.clientTransport(),
              network.serverAddress(),
              "" + server.port(),
              "to c");

      assertServed(client, "peer " + network.serverAddress() + ":" + server.port() + "\nto c\n");
      assertServed(server.join(), "served 1\n");
    }
  }

  /** The AssemblyScript client (the 2020 dialect) gets a page from the Go net/http server. */
  @ParameterizedTest
  @EnumSource(Kind.class)
  @Timeout(300) // a cold compile of the Go server
  void theAssemblyScriptClientGetsAPageFromTheGoHttpServer(Kind kind) throws Exception {
    try (ScenarioNetwork network = kind.open();
        Server server = serve(network, GuestFixture.GO_HTTP_SERVER, "-requests", "1")) {
      Result client =
          GuestRun.run(
              GuestFixture.AS_HTTP_CLIENT.bytes(),
              MODE,
              allowConnect(network, server.port()),
              network.clientTransport(),
              network.serverAddress(),
              "" + server.port(),
              "/");

      assertThat(client.stderr()).isEmpty();
      assertThat(client.stdout())
          .startsWith("HTTP/1.0 200 OK\r\n")
          .contains("\r\nContent-Length: 6\r\n")
          .endsWith("\r\n\r\nhello\n");
      assertThat(client.exitCode()).isZero();
      assertServed(server.join(), "served 1 requests\n");
    }
  }

  /**
   * The benchmark client's ping-pong on one connection and its churn of twenty, against the C poll
   * echo server: the pair the benchmark runs.
   */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void theBenchClientPingPongsAndChurnsWithThePollEchoServer(Kind kind) throws Exception {
    try (ScenarioNetwork network = kind.open()) {
      try (Server server = serve(network, GuestFixture.C_POLL_ECHO_SERVER, "1")) {
        Result pingpong = bench(network, server.port(), "pingpong", "200", "1000");
        assertServed(pingpong, "done 200\n");
        assertServed(server.join(), "served 1\n");
      }
      try (Server server = serve(network, GuestFixture.C_POLL_ECHO_SERVER, "20")) {
        Result churn = bench(network, server.port(), "churn", "20", "100");
        assertServed(churn, "done 20\n");
        assertServed(server.join(), "served 20\n");
      }
    }
  }

  // ---- Helpers ----

  private static Server serve(ScenarioNetwork network, GuestFixture fixture, String... args)
      throws IOException {
    return serve(network, fixture, network.listenAddress(), args);
  }

  private static Server serve(
      ScenarioNetwork network, GuestFixture fixture, InetSocketAddress listen, String... args) {
    return GuestRun.serve(
        fixture.bytes(),
        MODE,
        WasiSockets.builder().withTransport(network.serverTransport()),
        listen,
        args);
  }

  private static Server startWasmEdgeServer(ScenarioNetwork network, int port, String connections) {
    NetworkPolicy policy =
        NetworkPolicy.builder()
            .allow(NetworkUse.BIND, network.serverAddress() + ":" + port)
            .build();
    return GuestRun.start(
        GuestFixture.WASMEDGE_TCP_SERVER.bytes(),
        MODE,
        policy,
        network.serverTransport(),
        network.serverAddress(),
        "" + port,
        connections);
  }

  /**
   * Runs a client fixture against {@code port} of the server side with its own arguments: a line
   * for the line clients (by name for the lookup client), a ping-pong for the bench client, a path
   * for the HTTP client.
   */
  private static Result runClient(
      ScenarioNetwork network, GuestFixture fixture, int port, NetworkPolicy policy) {
    String address = network.serverAddress();
    String[] args =
        switch (fixture) {
          case WASMEDGE_LOOKUP_CLIENT ->
              new String[] {network.serverName(), "" + port, "hello, peer"};
          case BENCH_CLIENT -> new String[] {"pingpong", address, "" + port, "1", "10"};
          case AS_HTTP_CLIENT -> new String[] {address, "" + port, "/"};
          default -> new String[] {address, "" + port, "hello, peer"};
        };
    return GuestRun.run(fixture.bytes(), MODE, policy, network.clientTransport(), args);
  }

  private static Result bench(ScenarioNetwork network, int port, String... scenario) {
    return GuestRun.run(
        GuestFixture.BENCH_CLIENT.bytes(),
        MODE,
        allowConnect(network, port),
        network.clientTransport(),
        scenario[0],
        network.serverAddress(),
        "" + port,
        scenario[1],
        scenario[2]);
  }

  /** The Rust client prints its peer first; the C clients do not. */
  private static String peerLine(GuestFixture fixture, ScenarioNetwork network, int port) {
    return fixture == GuestFixture.RUST_WASMEDGE_CLIENT
        ? "peer " + network.serverAddress() + ":" + port + "\n"
        : "";
  }

  private static NetworkPolicy allowConnect(ScenarioNetwork network, Acceptor acceptor) {
    return allowConnect(network, acceptor.port());
  }

  private static NetworkPolicy allowConnect(ScenarioNetwork network, int port) {
    return NetworkPolicy.builder()
        .allowLookup()
        .allow(NetworkUse.TCP_CONNECT, network.serverAddress() + ":" + port)
        .build();
  }

  private static void assertServed(Result result, String stdout) {
    assertThat(result.stderr()).isEmpty();
    assertThat(result.stdout()).isEqualTo(stdout);
    assertThat(result.exitCode()).isZero();
  }

  /** A line without its newline (and a CR before it); IOException if the stream ends first. */
  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("the stream ended in the middle of a line");
      }
      line.write(b);
    }
    String text = line.toString(StandardCharsets.UTF_8);
    return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
  }

  private static String receive(Link client, String expected) throws IOException {
    return new String(client.in().readNBytes(expected.length()), StandardCharsets.US_ASCII);
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  /** {@code size} random bytes, different for each {@code seed}. */
  private static byte[] message(int seed, int size) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private static Stream<Arguments> onBoth(GuestFixture... fixtures) {
    return Stream.of(fixtures)
        .flatMap(f -> Stream.of(Kind.values()).map(kind -> Arguments.of(f, kind)));
  }

  /** One HTTP/1.1 keep-alive connection: requests one at a time, bodies by Content-Length. */
  private static final class HttpConnection implements AutoCloseable {
    private final Link link;

    HttpConnection(Link link) {
      this.link = link;
    }

    byte[] get(String path) throws IOException {
      return exchange("GET " + path + " HTTP/1.1\r\nHost: guest\r\n\r\n", new byte[0]);
    }

    byte[] post(String path, byte[] body) throws IOException {
      return exchange(
          "POST "
              + path
              + " HTTP/1.1\r\nHost: guest\r\nContent-Length: "
              + body.length
              + "\r\n\r\n",
          body);
    }

    private byte[] exchange(String head, byte[] body) throws IOException {
      link.out().write(ascii(head));
      link.out().write(body);
      InputStream in = link.in();
      assertThat(line(in)).isEqualTo("HTTP/1.1 200 OK");
      int length = -1;
      for (String header = line(in); !header.isEmpty(); header = line(in)) {
        if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
          length = Integer.parseInt(header.substring("content-length:".length()).trim());
        }
      }
      assertThat(length).as("Content-Length").isNotNegative();
      return in.readNBytes(length);
    }

    @Override
    public void close() throws IOException {
      link.close();
    }
  }
}
