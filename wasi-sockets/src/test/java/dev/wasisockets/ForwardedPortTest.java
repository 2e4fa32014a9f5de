package dev.wasisockets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasisockets.GuestRun.Mode;
import dev.wasisockets.GuestRun.Result;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.transport.ConnectionResetException;
import dev.wasisockets.transport.virtual.ForwardedPort;
import dev.wasisockets.transport.virtual.VirtualConnection;
import dev.wasisockets.transport.virtual.VirtualHost;
import dev.wasisockets.transport.virtual.VirtualNetwork;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A member's port forwarded to a real server on loopback: guests and Java members reach the real
 * server by the member's name or address, bytes and half-closes cross, a refusal outside is a reset
 * inside, and the guest's policy still decides.
 */
@Timeout(60)
class ForwardedPortTest {
  private static final int PORT = 5432;

  private final VirtualNetwork network = VirtualNetwork.create();
  private final VirtualHost db = network.host("db"); // 10.0.0.1
  private final VirtualHost app = network.host("app"); // 10.0.0.2
  private final InetSocketAddress dbAddress = new InetSocketAddress(db.addresses().get(0), PORT);

  @Test
  void aGuestReachesARealServerThroughAForwardedMemberPort() throws Exception {
    try (LoopbackLineServer real = LoopbackLineServer.onIpv4();
        ForwardedPort forwarded = db.forward(PORT, realAddress(real.port()))) {
      Result result =
          GuestRun.run(
              GuestFixture.WASMEDGE_TCP_CLIENT.bytes(),
              Mode.COMPILER,
              allowConnect("10.0.0.1:" + PORT),
              app.newTransport(),
              "10.0.0.1",
              "" + PORT,
              "hello, real server");

      assertThat(real.receivedLine()).isEqualTo("hello, real server\n");
      assertThat(real.clientAddress().getAddress().isLoopbackAddress()).isTrue();
      assertThat(result.stdout()).isEqualTo("echo: hello, real server\n");
      assertThat(result.exitCode()).isZero();
      assertThat(forwarded.outside()).isEqualTo(realAddress(real.port()));
    }
  }

  @Test
  void aGuestWithoutTheGrantReachesNothingOutside() throws Exception {
    try (ServerSocket real = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ForwardedPort forwarded = db.forward(PORT, realAddress(real.getLocalPort()))) {
      real.setSoTimeout(200);
      Result result =
          GuestRun.run(
              GuestFixture.WASMEDGE_TCP_CLIENT.bytes(),
              Mode.COMPILER,
              allowConnect("10.0.0.1:1"),
              app.newTransport(),
              "10.0.0.1",
              "" + PORT,
              "denied");

      assertThat(result.stderr()).isEqualTo("sock_connect failed: errno 2\n");
      assertThat(result.exitCode()).isEqualTo(2); // EACCES
      assertThatThrownBy(real::accept).isInstanceOf(SocketTimeoutException.class);
    }
  }

  /** 600 KB each way through a real echo server, with a half-close carried out and back. */
  @Test
  void bytesAndHalfClosesCrossBothWays() throws Exception {
    byte[] sent = new byte[600_000];
    new Random(9).nextBytes(sent);
    try (ServerSocket real = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ForwardedPort forwarded = db.forward(PORT, realAddress(real.getLocalPort()))) {
      CompletableFuture<Void> echo = CompletableFuture.runAsync(() -> echoOne(real));
      try (VirtualConnection connection = app.connect(dbAddress)) {
        CompletableFuture<byte[]> back =
            CompletableFuture.supplyAsync(() -> readAll(connection.getInputStream()));
        connection.getOutputStream().write(sent);
        connection.shutdownOutput();
        assertThat(Arrays.equals(back.get(30, TimeUnit.SECONDS), sent)).isTrue();
      }
      echo.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aRefusalOutsideIsAResetInsideAndIsLoggedOnce() throws Exception {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = probe.getLocalPort(); // nobody listens there once closed
    }
    try (LogCapture log = new LogCapture(ForwardedPort.class.getName());
        ForwardedPort forwarded = db.forward(PORT, realAddress(closedPort))) {
      for (int i = 0; i < 2; i++) {
        try (VirtualConnection connection = app.connect(dbAddress)) {
          assertThatThrownBy(() -> connection.read(ByteBuffer.allocate(8)))
              .isInstanceOf(ConnectionResetException.class);
        }
      }
      // The bridge's thread logs as it gives up, just after it reset the member: wait for it.
      String refusal = "connecting to 127.0.0.1:" + closedPort + " failed";
      for (int i = 0; i < 1000 && log.lines().stream().noneMatch(l -> l.contains(refusal)); i++) {
        Thread.sleep(10);
      }
      assertThat(log.lines()).filteredOn(line -> line.contains(refusal)).hasSize(1);
    }
  }

  @Test
  void closingTheForwardEndsItsConnectionsAndFreesThePort() throws Exception {
    try (ServerSocket real = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      ForwardedPort forwarded = db.forward(PORT, realAddress(real.getLocalPort()));
      VirtualConnection connection = app.connect(dbAddress);
      try (Socket accepted = real.accept()) {
        connection.getOutputStream().write('x');
        assertThat(accepted.getInputStream().read()).isEqualTo('x');

        forwarded.close();

        assertThat(connection.getInputStream().read()).isEqualTo(-1);
        assertThat(accepted.getInputStream().read()).isEqualTo(-1);
        assertThatThrownBy(() -> app.connect(dbAddress)).isInstanceOf(ConnectException.class);
        assertThat(forwarded.connections()).isZero();
      }
      db.listen(PORT).close(); // the member's port is free again
    }
  }

  private static void echoOne(ServerSocket real) {
    try (Socket socket = real.accept()) {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      byte[] buffer = new byte[8192];
      int count;
      while ((count = in.read(buffer)) >= 0) {
        out.write(buffer, 0, count);
      }
      socket.shutdownOutput();
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }

  private static byte[] readAll(InputStream in) {
    try {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }

  private static InetSocketAddress realAddress(int port) {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  private static NetworkPolicy allowConnect(String rule) {
    return NetworkPolicy.builder().allow(NetworkUse.TCP_CONNECT, rule).build();
  }
}
