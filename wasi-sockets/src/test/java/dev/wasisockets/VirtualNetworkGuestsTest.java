package dev.wasisockets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasisockets.GuestRun.Mode;
import dev.wasisockets.GuestRun.Result;
import dev.wasisockets.GuestRun.Server;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.transport.virtual.VirtualConnection;
import dev.wasisockets.transport.virtual.VirtualHost;
import dev.wasisockets.transport.virtual.VirtualListener;
import dev.wasisockets.transport.virtual.VirtualNetwork;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fixture guests on a {@link VirtualNetwork}, talking to Java members and to each other: no OS
 * socket is involved, and every assertion is on bytes that crossed the virtual network.
 */
@Timeout(60)
class VirtualNetworkGuestsTest {
  private static final byte[] CLIENT = GuestFixture.WASMEDGE_TCP_CLIENT.bytes();
  private static final int EACCES = 2;
  private static final int ECONNREFUSED = 14;
  private static final int ECONNRESET = 15;
  private static final int PORT = 7000;

  private final VirtualNetwork network = VirtualNetwork.create();
  private final VirtualHost service = network.host("service");
  private final VirtualHost app = network.host("app");

  static Stream<Arguments> echoServers() {
    return Stream.of(GuestFixture.C_PREVIEW1_ECHO_SERVER, GuestFixture.C_POLL_ECHO_SERVER)
        .flatMap(f -> Stream.of(Arguments.of(f, Mode.COMPILER), Arguments.of(f, Mode.INTERPRETER)));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void theWasmEdgeClientGuestTalksToAJavaMembersServer(Mode mode) throws Exception {
    InetAddress serviceAddress = service.addresses().get(0); // 10.0.0.1
    try (VirtualListener listener = service.listen(PORT)) {
      CompletableFuture<String> served = serveOneLine(listener);

      Result result =
          GuestRun.run(
              CLIENT,
              mode,
              allowConnect(serviceAddress.getHostAddress() + ":" + PORT),
              app.newTransport(),
              serviceAddress.getHostAddress(),
              "" + PORT,
              "hello, service");

      assertThat(served.get(10, TimeUnit.SECONDS))
          .isEqualTo("hello, service\n from " + app.addresses().get(0).getHostAddress());
      assertThat(result.stdout()).isEqualTo("echo: hello, service\n");
      assertThat(result.stderr()).isEmpty();
      assertThat(result.exitCode()).isZero();
    }
  }

  @Test
  void theClientGuestReachesTheServiceOverIpv6() throws Exception {
    InetAddress serviceAddress = service.addresses().get(1); // fd00::1
    try (VirtualListener listener = service.listen(PORT)) {
      CompletableFuture<String> served = serveOneLine(listener);

      Result result =
          GuestRun.run(
              CLIENT,
              Mode.COMPILER,
              allowConnect("[" + serviceAddress.getHostAddress() + "]:" + PORT),
              app.newTransport(),
              "fd00::1",
              "" + PORT,
              "over six");

      assertThat(served.get(10, TimeUnit.SECONDS)).startsWith("over six\n from fd00:0:0:0:0:0:0:2");
      assertThat(result.stdout()).isEqualTo("echo: over six\n");
      assertThat(result.exitCode()).isZero();
    }
  }

  /**
   * sock_getaddrinfo resolves a member's name inside the network (nothing reaches the OS's
   * resolver), and a grant by that name covers the address it resolved to.
   */
  @Test
  void theLookupClientGuestResolvesAMembersNameAndAGrantByNameCoversIt() throws Exception {
    try (VirtualListener listener = service.listen(PORT)) {
      CompletableFuture<String> served = serveOneLine(listener);
      NetworkPolicy policy =
          NetworkPolicy.builder()
              .allowLookup()
              .allow(NetworkUse.TCP_CONNECT, "service:" + PORT)
              .build();

      Result result =
          GuestRun.run(
              GuestFixture.WASMEDGE_LOOKUP_CLIENT.bytes(),
              Mode.COMPILER,
              policy,
              app.newTransport(),
              "service",
              "" + PORT,
              "by name");

      assertThat(served.get(10, TimeUnit.SECONDS)).isEqualTo("by name\n from 10.0.0.2");
      assertThat(result.stdout()).isEqualTo("echo: by name\n");
      assertThat(result.exitCode()).isZero();
    }
  }

  @Test
  void aConnectThePolicyDeniesIsEaccesWithTheLogLineAndReachesNobody() throws Exception {
    try (VirtualListener listener = service.listen(PORT);
        LogCapture log = new LogCapture("dev.wasisockets.policy.NetworkPolicy")) {
      // A grant for the neighbouring port only.
      NetworkPolicy policy = allowConnect("10.0.0.1:" + (PORT + 1));

      Result result =
          GuestRun.run(
              CLIENT, Mode.COMPILER, policy, app.newTransport(), "10.0.0.1", "" + PORT, "in?");

      assertThat(result.exitCode()).isEqualTo(EACCES);
      assertThat(result.stderr()).isEqualTo("sock_connect failed: errno 2\n");
      assertThat(log.lines())
          .containsExactly(
              "denied tcp connect to 10.0.0.1:"
                  + PORT
                  + " (rule: default deny; no --allow-connect grant matches)");
      assertThatThrownBy(() -> listener.accept(Duration.ZERO))
          .isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void aConnectToAPortNobodyListensOnIsEconnrefused() throws Exception {
    Result result =
        GuestRun.run(
            CLIENT,
            Mode.COMPILER,
            allowConnect("10.0.0.1:" + PORT),
            app.newTransport(),
            "10.0.0.1",
            "" + PORT,
            "anyone?");

    assertThat(result.exitCode()).isEqualTo(ECONNREFUSED);
    assertThat(result.stderr()).isEqualTo("sock_connect failed: errno 14\n");
    // A Java member gets what NIO throws.
    assertThatThrownBy(() -> app.connect(new InetSocketAddress("10.0.0.1", PORT)))
        .isInstanceOf(ConnectException.class);
  }

  /**
   * A server guest serves three Java clients: one connected as the guest starts (it waits in the
   * backlog), one that comes while the guest is parked waiting for it, and one after those. Each
   * client sends, half-closes, and reads the echo to the end of the stream.
   */
  @ParameterizedTest(name = "{0} ({1})")
  @MethodSource("echoServers")
  void aServerGuestEchoesJavaClientsAcrossHalfCloses(GuestFixture fixture, Mode mode)
      throws Exception {
    WasiSockets.Builder sockets = WasiSockets.builder().withTransport(service.newTransport());
    InetSocketAddress listen = new InetSocketAddress(InetAddress.getByName("0.0.0.0"), PORT);
    try (Server server = GuestRun.serve(fixture.bytes(), mode, sockets, listen, "3");
        // Connected as soon as the listener exists, while the guest is still starting: it waits
        // in the backlog.
        VirtualConnection early = app.connect(new InetSocketAddress("10.0.0.1", PORT))) {
      assertThat(server.port()).isEqualTo(PORT);
      assertThat(halfCloseExchange(early, "early " + "e".repeat(100_000))).isTrue();

      assertThat(parkedOnTheNetwork(server.thread())).isTrue();
      try (VirtualConnection second = app.connect(new InetSocketAddress("10.0.0.1", PORT))) {
        assertThat(halfCloseExchange(second, "while waiting")).isTrue();
      }
      try (VirtualConnection third =
          app.connect(new InetSocketAddress(network.resolve("service").get(0), PORT))) {
        assertThat(halfCloseExchange(third, "later")).isTrue();
      }

      Result result = server.join();
      assertThat(result.stderr()).isEmpty();
      assertThat(result.stdout()).isEqualTo("served 3\n");
      assertThat(result.exitCode()).isZero();
    }
  }

  @ParameterizedTest(name = "{0} ({1})")
  @MethodSource("echoServers")
  void aClientGuestTalksToAServerGuest(GuestFixture fixture, Mode mode) throws Exception {
    WasiSockets.Builder sockets = WasiSockets.builder().withTransport(service.newTransport());
    InetSocketAddress listen = new InetSocketAddress(InetAddress.getByName("::"), PORT);
    try (Server server = GuestRun.serve(fixture.bytes(), mode, sockets, listen, "2")) {
      for (String address : new String[] {"10.0.0.1", "fd00::1"}) {
        String rule = address.contains(":") ? "[" + address + "]:" + PORT : address + ":" + PORT;
        Result client =
            GuestRun.run(
                CLIENT, mode, allowConnect(rule), app.newTransport(), address, "" + PORT, "ping");

        assertThat(client.stderr()).isEmpty();
        assertThat(client.stdout()).isEqualTo("ping\n");
        assertThat(client.exitCode()).isZero();
      }

      Result result = server.join();
      assertThat(result.stdout()).isEqualTo("served 2\n");
      assertThat(result.exitCode()).isZero();
    }
  }

  /**
   * The WasmEdge server guest binds port 0 itself: it gets the first ephemeral port (32768, the
   * start of Linux's range) and serves a Java client there.
   */
  @Test
  void aGuestThatBindsPortZeroGetsAnEphemeralPortAndServesOnIt() throws Exception {
    NetworkPolicy policy = NetworkPolicy.builder().allow(NetworkUse.BIND, "*").build();
    try (Server server =
        GuestRun.start(
            GuestFixture.WASMEDGE_TCP_SERVER.bytes(),
            Mode.COMPILER,
            policy,
            service.newTransport(),
            "0.0.0.0",
            "0",
            "1")) {
      assertThat(parkedOnTheNetwork(server.thread())).isTrue(); // listening, waiting to accept
      try (VirtualConnection client = app.connect(new InetSocketAddress("10.0.0.1", 32768))) {
        assertThat(halfCloseExchange(client, "to an ephemeral port")).isTrue();
      }

      Result result = server.join();
      assertThat(result.stdout()).isEqualTo("listening on 32768\nserved 1\n");
      assertThat(result.exitCode()).isZero();
    }
  }

  /**
   * A port a Java member of the same host listens on is in use for the guest, on a loopback address
   * and on the host's own virtual one alike: EADDRINUSE. Another host's address is not the guest's
   * to bind: EADDRNOTAVAIL.
   */
  @ParameterizedTest
  @CsvSource({"127.0.0.1, 3", "10.0.0.1, 3", "10.0.0.2, 4"})
  void aGuestBindingAPortTakenOnItsHostGetsEaddrinuse(String address, int errno) throws Exception {
    NetworkPolicy policy = NetworkPolicy.builder().allow(NetworkUse.BIND, "*").build();
    try (VirtualListener taken = service.listen(PORT);
        Server server =
            GuestRun.start(
                GuestFixture.WASMEDGE_TCP_SERVER.bytes(),
                Mode.COMPILER,
                policy,
                service.newTransport(),
                address,
                "" + PORT,
                "1")) {
      Result result = server.join();
      assertThat(result.stderr()).isEqualTo("sock_bind failed: errno " + errno + "\n");
      assertThat(result.exitCode()).isEqualTo(errno);
    }
  }

  /**
   * A Java server that reads one byte of the guest's line and closes with the rest unread resets
   * the connection, as Linux does: the guest's receive fails with ECONNRESET.
   */
  @Test
  void closingWithUnreadBytesResetsTheGuestsConnection() throws Exception {
    try (VirtualListener listener = service.listen(PORT)) {
      CompletableFuture<Integer> firstByte =
          CompletableFuture.supplyAsync(
              () -> {
                try (VirtualConnection connection = listener.accept()) {
                  return connection.getInputStream().read();
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });

      Result result =
          GuestRun.run(
              CLIENT,
              Mode.COMPILER,
              allowConnect("10.0.0.1:" + PORT),
              app.newTransport(),
              "10.0.0.1",
              "" + PORT,
              "hello, unread");

      assertThat(firstByte.get(10, TimeUnit.SECONDS)).isEqualTo((int) 'h');
      assertThat(result.stderr()).isEqualTo("sock_recv failed: errno 15\n");
      assertThat(result.exitCode()).isEqualTo(ECONNRESET);
    }
  }

  /**
   * A Java client that sends 2 MiB without reading fills both directions' 256 KiB buffers: the
   * guest's sends wait (blocking ones in the transport, the poll server's non-blocking ones with
   * EAGAIN and poll), so it stops reading, and the client's blocking write waits too. Once the
   * client reads, both resume and every byte comes back in order.
   */
  @ParameterizedTest(name = "{0} ({1})")
  @MethodSource("echoServers")
  void aPeerThatDoesNotReadHoldsTheWriterBackUntilItReads(GuestFixture fixture, Mode mode)
      throws Exception {
    WasiSockets.Builder sockets = WasiSockets.builder().withTransport(service.newTransport());
    InetSocketAddress listen = new InetSocketAddress(InetAddress.getByName("0.0.0.0"), PORT);
    byte[] payload = new byte[2 * 1024 * 1024];
    new Random(14).nextBytes(payload);
    try (Server server = GuestRun.serve(fixture.bytes(), mode, sockets, listen, "1");
        VirtualConnection client = app.connect(new InetSocketAddress("10.0.0.1", PORT))) {
      Thread writer =
          new Thread(
              () -> {
                try {
                  client.getOutputStream().write(payload);
                  client.shutdownOutput();
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              },
              "virtual-writer");
      writer.setDaemon(true);
      writer.start();

      // Nobody reads the echo: the writer comes to wait for room, parked, with bytes unsent.
      assertThat(parkedIn(writer, "VirtualConnection", "write")).isTrue();
      assertThat(parkedOnTheNetwork(server.thread())).isTrue();

      byte[] echoed = client.getInputStream().readAllBytes();
      writer.join(30_000);
      assertThat(writer.isAlive()).isFalse();
      assertThat(echoed.length).isEqualTo(payload.length);
      assertThat(Arrays.equals(echoed, payload)).isTrue();
      assertThat(server.join().stdout()).isEqualTo("served 1\n");
    }
  }

  @ParameterizedTest(name = "{0} ({1})")
  @MethodSource("echoServers")
  void aGuestWaitingOnTheNetworkStopsWhenItsThreadIsInterrupted(GuestFixture fixture, Mode mode)
      throws Exception {
    WasiSockets.Builder sockets = WasiSockets.builder().withTransport(service.newTransport());
    InetSocketAddress listen = new InetSocketAddress(InetAddress.getByName("0.0.0.0"), PORT);
    Server server = GuestRun.serve(fixture.bytes(), mode, sockets, listen, "2");
    try (VirtualConnection client = app.connect(new InetSocketAddress("10.0.0.1", PORT))) {
      assertThat(halfCloseExchange(client, "one")).isTrue();
      // The guest waits for its second client, parked (not spinning) on the network.
      assertThat(parkedOnTheNetwork(server.thread())).isTrue();

      server.thread().interrupt();

      assertThatThrownBy(() -> server.result().get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class); // Chicory's interruption of the guest
      // The instance closed its transport: the port is free again, and nobody listens on it.
      assertThatThrownBy(() -> app.connect(new InetSocketAddress("10.0.0.1", PORT)))
          .isInstanceOf(ConnectException.class);
    } finally {
      server.close();
    }
  }

  /** Accepts one connection, reads a line, answers "echo: LINE\n": the line and the peer. */
  private static CompletableFuture<String> serveOneLine(VirtualListener listener) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (VirtualConnection connection = listener.accept()) {
            InputStream in = connection.getInputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
              line.write(b);
              if (b == '\n') {
                break;
              }
            }
            String text = line.toString(StandardCharsets.UTF_8);
            connection
                .getOutputStream()
                .write(("echo: " + text.strip() + "\n").getBytes(StandardCharsets.UTF_8));
            return text + " from " + connection.remoteAddress().getAddress().getHostAddress();
          } catch (IOException e) {
            throw new RuntimeException(e);
          }
        });
  }

  /** Sends {@code message}, half-closes, and reads to the end: whether the echo is the message. */
  private static boolean halfCloseExchange(VirtualConnection connection, String message)
      throws IOException {
    byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
    connection.getOutputStream().write(bytes);
    connection.shutdownOutput();
    return Arrays.equals(connection.getInputStream().readAllBytes(), bytes);
  }

  /**
   * Whether {@code thread} comes to park in the virtual transport's wait (looked for up to 30 s).
   */
  static boolean parkedOnTheNetwork(Thread thread) throws InterruptedException {
    return parkedIn(thread, "VirtualTransport", "await");
  }

  /** Whether {@code thread} comes to be parked (WAITING) inside {@code type.method}. */
  private static boolean parkedIn(Thread thread, String type, String method)
      throws InterruptedException {
    for (int look = 0; look < 3_000; look++) {
      if (thread.getState() == Thread.State.WAITING) {
        boolean inside =
            Arrays.stream(thread.getStackTrace())
                .anyMatch(
                    frame ->
                        frame.getClassName().endsWith("." + type)
                            && frame.getMethodName().equals(method));
        if (inside) {
          return true;
        }
      }
      Thread.sleep(10);
    }
    return false;
  }

  private static NetworkPolicy allowConnect(String rule) {
    return NetworkPolicy.builder().allow(NetworkUse.TCP_CONNECT, rule).build();
  }
}
