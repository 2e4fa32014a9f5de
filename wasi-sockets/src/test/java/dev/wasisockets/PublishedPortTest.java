package dev.wasisockets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasisockets.GuestRun.Mode;
import dev.wasisockets.GuestRun.Result;
import dev.wasisockets.GuestRun.Server;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.transport.ConnectionResetException;
import dev.wasisockets.transport.virtual.PublishedPort;
import dev.wasisockets.transport.virtual.VirtualConnection;
import dev.wasisockets.transport.virtual.VirtualHost;
import dev.wasisockets.transport.virtual.VirtualListener;
import dev.wasisockets.transport.virtual.VirtualNetwork;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A member's port published on a real loopback port: real {@link Socket} clients on 127.0.0.1 reach
 * guests and Java members of a {@link VirtualNetwork}; every assertion is on bytes (or resets) that
 * crossed both the real socket and the virtual connection.
 */
@Timeout(60)
class PublishedPortTest {
  private static final int PORT = 7000;
  private static final InetSocketAddress ANY_LOOPBACK_PORT =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

  private final VirtualNetwork network = VirtualNetwork.create();
  private final VirtualHost service = network.host("service"); // 10.0.0.1
  private final VirtualHost gateway = network.host("gateway"); // 10.0.0.2: the bridge's host
  private final InetSocketAddress serviceAddress =
      new InetSocketAddress(service.addresses().get(0), PORT);
  private PublishedPort published;

  @AfterEach
  void closePort() {
    if (published != null) {
      published.close();
    }
  }

  /**
   * Three real clients, one after another, each sending more than the virtual connection's and the
   * bridge's buffers hold before reading, half-closing, and reading the echo to its end.
   */
  @Test
  void realClientsReachAGuestEchoServerOneAfterAnother() throws Exception {
    try (Server server = echoServer(GuestFixture.C_PREVIEW1_ECHO_SERVER, "3")) {
      published = gateway.publish(ANY_LOOPBACK_PORT, serviceAddress);
      assertThat(published.address().getAddress().isLoopbackAddress()).isTrue();
      assertThat(published.address().getPort()).isPositive();

      for (int i = 0; i < 3; i++) {
        byte[] message = randomBytes(600_000, i);
        try (Socket client = connect()) {
          assertThat(exchange(client, message)).isEqualTo(message);
        }
      }

      Result result = server.join();
      assertThat(result.stdout()).isEqualTo("served 3\n");
      assertThat(result.exitCode()).isZero();
    }
  }

  /** Several clients at once, to a guest that serves them concurrently through poll(). */
  @Test
  void concurrentRealClientsReachAPollingGuest() throws Exception {
    try (Server server = echoServer(GuestFixture.C_POLL_ECHO_SERVER, "4")) {
      published = gateway.publish(ANY_LOOPBACK_PORT, serviceAddress);
      Socket[] clients = new Socket[4];
      for (int i = 0; i < clients.length; i++) {
        clients[i] = connect();
      }
      // All four are open at once; each is answered in turn, the others still open.
      for (int i = 0; i < clients.length; i++) {
        byte[] message = ("client " + i + "\n").getBytes(StandardCharsets.UTF_8);
        clients[i].getOutputStream().write(message);
        assertThat(clients[i].getInputStream().readNBytes(message.length)).isEqualTo(message);
      }
      for (Socket client : clients) {
        client.shutdownOutput();
        assertThat(client.getInputStream().read()).isEqualTo(-1);
        client.close();
      }
      assertThat(server.join().stdout()).isEqualTo("served 4\n");
    }
  }

  /** On ::1 too, to the guest's IPv6 address. */
  @Test
  void aPortPublishedOnIpv6LoopbackReachesTheGuestsIpv6Address() throws Exception {
    try (Server server = echoServer(GuestFixture.C_PREVIEW1_ECHO_SERVER, "1", "::")) {
      published =
          gateway.publish(
              new InetSocketAddress(InetAddress.getByName("::1"), 0),
              new InetSocketAddress(service.addresses().get(1), PORT)); // fd00::1
      assertThat(published.address().getAddress()).isEqualTo(InetAddress.getByName("::1"));
      try (Socket client = connect()) {
        byte[] message = "over six".getBytes(StandardCharsets.UTF_8);
        assertThat(exchange(client, message)).isEqualTo(message);
      }
      assertThat(server.join().stdout()).isEqualTo("served 1\n");
    }
  }

  /** The member sees the bridge's host as its peer, from an ephemeral port. */
  @Test
  void theMemberSeesThePublishingHostAsThePeer() throws Exception {
    try (VirtualListener listener = service.listen(PORT)) {
      published = gateway.publish(ANY_LOOPBACK_PORT, serviceAddress);
      try (Socket client = connect();
          VirtualConnection accepted = listener.accept()) {
        assertThat(accepted.remoteAddress().getAddress()).isEqualTo(gateway.addresses().get(0));
        assertThat(accepted.remoteAddress().getPort()).isBetween(32768, 60999);
        assertThat(accepted.localAddress()).isEqualTo(serviceAddress);
      }
    }
  }

  /** The real client's FIN is the member's end-of-stream, and the member may still answer. */
  @Test
  void aRealHalfCloseReachesTheMemberWhichStillAnswers() throws Exception {
    try (VirtualListener listener = service.listen(PORT)) {
      published = gateway.publish(ANY_LOOPBACK_PORT, serviceAddress);
      try (Socket client = connect();
          VirtualConnection accepted = listener.accept()) {
        client.getOutputStream().write("question".getBytes(StandardCharsets.UTF_8));
        client.shutdownOutput();

        assertThat(accepted.getInputStream().readAllBytes())
            .isEqualTo("question".getBytes(StandardCharsets.UTF_8));
        accepted.getOutputStream().write("answer".getBytes(StandardCharsets.UTF_8));
        accepted.close();

        assertThat(client.getInputStream().readAllBytes())
            .isEqualTo("answer".getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  /** The member's SHUT_WR is the real client's end-of-stream, and the client may still send. */
  @Test
  void aVirtualHalfCloseReachesTheRealClientWhichStillSends() throws Exception {
    try (VirtualListener listener = service.listen(PORT)) {
      published = gateway.publish(ANY_LOOPBACK_PORT, serviceAddress);
      try (Socket client = connect();
          VirtualConnection accepted = listener.accept()) {
        accepted.getOutputStream().write("hello".getBytes(StandardCharsets.UTF_8));
        accepted.shutdownOutput();

        assertThat(client.getInputStream().readAllBytes())
            .isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
        client.getOutputStream().write("still here".getBytes(StandardCharsets.UTF_8));
        client.shutdownOutput();

        assertThat(accepted.getInputStream().readAllBytes())
            .isEqualTo("still here".getBytes(StandardCharsets.UTF_8));
      }
      // Both directions have ended: the bridge lets the connection go once its threads see it.
      awaitNoConnections(published);
    }
  }

  /** The member's reset (SO_LINGER 0) is an RST for the real client. */
  @Test
  void aVirtualResetResetsTheRealClient() throws Exception {
    try (VirtualListener listener = service.listen(PORT)) {
      published = gateway.publish(ANY_LOOPBACK_PORT, serviceAddress);
      try (Socket client = connect();
          VirtualConnection accepted = listener.accept()) {
        accepted.reset();

        assertThatThrownBy(() -> client.getInputStream().read())
            .isInstanceOf(SocketException.class)
            .hasMessageContaining("reset");
      }
    }
  }

  /** The real client's RST is ECONNRESET for the member. */
  @Test
  void aRealResetResetsTheMember() throws Exception {
    try (VirtualListener listener = service.listen(PORT)) {
      published = gateway.publish(ANY_LOOPBACK_PORT, serviceAddress);
      Socket client = connect();
      try (VirtualConnection accepted = listener.accept()) {
        client.setSoLinger(true, 0);
        client.close(); // an RST

        assertThatThrownBy(() -> accepted.getInputStream().read())
            .isInstanceOf(ConnectionResetException.class);
      }
    }
  }

  /**
   * The member closed: what the real client sends after is taken and dropped, then answered with a
   * reset, as a Linux peer that closed answers with an RST; the client's writes fail.
   */
  @Test
  void writingToAMemberThatClosedEndsInAReset() throws Exception {
    try (VirtualListener listener = service.listen(PORT)) {
      published = gateway.publish(ANY_LOOPBACK_PORT, serviceAddress);
      try (Socket client = connect()) {
        listener.accept().close();
        assertThat(client.getInputStream().read()).as("the member's FIN").isEqualTo(-1);

        byte[] chunk = new byte[1024];
        assertThatThrownBy(
                () -> {
                  for (int i = 0; i < 100_000; i++) {
                    client.getOutputStream().write(chunk);
                  }
                })
            .isInstanceOf(SocketException.class);
      }
    }
  }

  /**
   * Nobody listens at the target: the real client's connection (accepted by the OS) is reset, and
   * the first such refusal of the port is logged.
   */
  @Test
  void aTargetNobodyListensOnResetsTheRealClient() throws Exception {
    try (LogCapture log = new LogCapture(PublishedPort.class.getName())) {
      published = gateway.publish(ANY_LOOPBACK_PORT, serviceAddress);
      for (int i = 0; i < 2; i++) {
        try (Socket client = connect()) {
          assertThatThrownBy(() -> client.getInputStream().read())
              .isInstanceOf(SocketException.class)
              .hasMessageContaining("reset");
        }
      }
      assertThat(log.lines())
          .containsExactly(
              published
                  + ": Connection refused inside the network; the real client's connection was"
                  + " reset");
    }
    // The port still bridges the next connection, once someone listens.
    try (VirtualListener listener = service.listen(PORT);
        Socket client = connect();
        VirtualConnection accepted = listener.accept()) {
      client.getOutputStream().write(1);
      assertThat(accepted.getInputStream().read()).isEqualTo(1);
    }
  }

  @Test
  void aTargetNoMemberHasResetsTheRealClient() throws Exception {
    published =
        gateway.publish(
            ANY_LOOPBACK_PORT, new InetSocketAddress(InetAddress.getByName("10.9.9.9"), PORT));
    try (Socket client = connect()) {
      assertThatThrownBy(() -> client.getInputStream().read())
          .isInstanceOf(SocketException.class)
          .hasMessageContaining("reset");
    }
  }

  /**
   * Closing the published port closes the listener (a new connect is refused) and every bridged
   * connection: the client reads end-of-stream, and so does the guest, which then finishes.
   */
  @Test
  void closingThePublishedPortClosesTheListenerAndEveryConnection() throws Exception {
    try (Server server = echoServer(GuestFixture.C_POLL_ECHO_SERVER, "2")) {
      published = gateway.publish(ANY_LOOPBACK_PORT, serviceAddress);
      InetSocketAddress address = published.address();
      Socket first = connect();
      Socket second = connect();
      for (Socket client : new Socket[] {first, second}) {
        client.getOutputStream().write("ping".getBytes(StandardCharsets.UTF_8));
        assertThat(client.getInputStream().readNBytes(4))
            .isEqualTo("ping".getBytes(StandardCharsets.UTF_8));
      }
      assertThat(published.connections()).isEqualTo(2);

      published.close();

      assertThat(published.connections()).isZero();
      for (Socket client : new Socket[] {first, second}) {
        assertThat(client.getInputStream().read()).isEqualTo(-1);
        client.close();
      }
      assertThatThrownBy(() -> new Socket(address.getAddress(), address.getPort()))
          .isInstanceOf(ConnectException.class);
      assertThat(server.join().stdout()).isEqualTo("served 2\n");
    }
  }

  /**
   * With room for one bridged connection, a second client waits unaccepted (its bytes in the real
   * socket's buffers) while the first is open, and is bridged, bytes intact, once it ends.
   */
  @Test
  void aConnectionBeyondTheBoundWaitsForTheOneBeforeIt() throws Exception {
    try (VirtualListener listener = service.listen(PORT)) {
      published = gateway.publish(ANY_LOOPBACK_PORT, serviceAddress, 1);
      Socket first = connect();
      VirtualConnection firstAccepted = listener.accept();
      Socket second = connect(); // the OS completes the handshake; the bridge does not accept
      second.getOutputStream().write("second".getBytes(StandardCharsets.UTF_8));

      // The bridge's acceptor waits for a slot, so the second cannot have crossed.
      assertThat(acceptorWaitsForASlot()).isTrue();
      assertThatThrownBy(() -> listener.accept(Duration.ZERO))
          .isInstanceOf(SocketTimeoutException.class);
      assertThat(published.connections()).isEqualTo(1);

      first.close();
      assertThat(firstAccepted.getInputStream().read()).isEqualTo(-1);
      firstAccepted.close();

      try (VirtualConnection secondAccepted = listener.accept()) {
        assertThat(secondAccepted.getInputStream().readNBytes(6))
            .isEqualTo("second".getBytes(StandardCharsets.UTF_8));
      }
      second.close();
    }
  }

  @Test
  void onlyALoopbackAddressCanBePublished() {
    assertThatThrownBy(() -> gateway.publish(new InetSocketAddress("0.0.0.0", 0), serviceAddress))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("loopback");
    assertThatThrownBy(() -> gateway.publish(new InetSocketAddress("::", 0), serviceAddress))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> gateway.publish(new InetSocketAddress("192.168.1.1", 0), serviceAddress))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private Server echoServer(GuestFixture fixture, String connections) throws IOException {
    return echoServer(fixture, connections, "0.0.0.0");
  }

  /** The guest on the service host, listening on {@code wildcard} port 7000. */
  private Server echoServer(GuestFixture fixture, String connections, String wildcard)
      throws IOException {
    WasiSockets.Builder sockets = WasiSockets.builder().withTransport(service.newTransport());
    return GuestRun.serve(
        fixture.bytes(),
        Mode.COMPILER,
        sockets,
        new InetSocketAddress(InetAddress.getByName(wildcard), PORT),
        connections);
  }

  private Socket connect() throws IOException {
    return new Socket(published.address().getAddress(), published.address().getPort());
  }

  /** Sends {@code message} from another thread, half-closes, and reads to the end. */
  private static byte[] exchange(Socket client, byte[] message) throws Exception {
    CompletableFuture<Void> sent =
        CompletableFuture.runAsync(
            () -> {
              try {
                OutputStream out = client.getOutputStream();
                out.write(message);
                client.shutdownOutput();
              } catch (IOException e) {
                throw new RuntimeException(e);
              }
            });
    InputStream in = client.getInputStream();
    byte[] echoed = in.readAllBytes();
    sent.get(30, TimeUnit.SECONDS);
    return echoed;
  }

  /** Whether the port's accepting thread comes to wait for a free slot (looked for up to 30 s). */
  private boolean acceptorWaitsForASlot() throws InterruptedException {
    String name = published + " accept";
    for (int look = 0; look < 3_000; look++) {
      for (Thread thread : Thread.getAllStackTraces().keySet()) {
        if (thread.getName().equals(name)
            && thread.getState() == Thread.State.WAITING
            && Arrays.stream(thread.getStackTrace())
                .anyMatch(frame -> frame.getClassName().endsWith("Semaphore"))) {
          return true;
        }
      }
      Thread.sleep(10);
    }
    return false;
  }

  private static byte[] randomBytes(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private static void awaitNoConnections(PublishedPort port) throws InterruptedException {
    for (int i = 0; i < 1000 && port.connections() > 0; i++) {
      Thread.sleep(10);
    }
    assertThat(port.connections()).isZero();
  }
}
