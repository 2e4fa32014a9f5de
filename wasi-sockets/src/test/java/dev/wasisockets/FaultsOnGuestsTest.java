package dev.wasisockets;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Faults of the virtual network reach real fixture guests as the errno a real network gives them:
 * ETIMEDOUT for a connect nobody answers, ECONNRESET for a reset, and on a slow link the same bytes
 * as on a fast one, only later. None of them hangs a guest.
 */
@Timeout(60)
class FaultsOnGuestsTest {
  private static final byte[] CLIENT = GuestFixture.WASMEDGE_TCP_CLIENT.bytes();
  private static final int ECONNRESET = 15;
  private static final int ETIMEDOUT = 73;
  private static final int PORT = 7000;

  private final VirtualNetwork network = VirtualNetwork.create();
  private final VirtualHost service = network.host("service"); // 10.0.0.1
  private final VirtualHost app = network.host("app"); // 10.0.0.2

  @Test
  void aConnectToABlackholedAddressIsEtimedout() {
    network.faults().connectTimeout(Duration.ofMillis(300)).blackhole(address("10.0.0.99"));

    Result result = runClient("10.0.0.99", "anyone?");

    assertThat(result.stderr()).isEqualTo("sock_connect failed: errno 73\n");
    assertThat(result.exitCode()).isEqualTo(ETIMEDOUT);
  }

  @Test
  void aConnectAcrossAPartitionIsEtimedoutAndWorksOnceHealed() throws Exception {
    network.faults().connectTimeout(Duration.ofMillis(300)).partition(app, service);
    try (VirtualListener listener = service.listen(PORT)) {
      Result cut = runClient("10.0.0.1", "across");
      assertThat(cut.stderr()).isEqualTo("sock_connect failed: errno 73\n");
      assertThat(cut.exitCode()).isEqualTo(ETIMEDOUT);

      network.faults().heal(app, service);
      CompletableFuture<Void> served = echoOneLine(listener);
      Result healed = runClient("10.0.0.1", "healed");
      assertThat(healed.stdout()).isEqualTo("healed\n");
      assertThat(healed.exitCode()).isZero();
      served.get(10, TimeUnit.SECONDS);
    }
  }

  /** The Java server takes the guest's line, then the network resets the guest's connections. */
  @Test
  void aResetFromTheNetworkIsEconnresetInTheGuestsReceive() throws Exception {
    try (VirtualListener listener = service.listen(PORT)) {
      CompletableFuture<Integer> reset =
          CompletableFuture.supplyAsync(
              () -> {
                try (VirtualConnection connection = listener.accept()) {
                  readLine(connection.getInputStream());
                  return network.faults().resetConnections(app);
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });

      Result result = runClient("10.0.0.1", "then reset");

      assertThat(reset.get(10, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(result.stderr()).isEqualTo("sock_recv failed: errno 15\n");
      assertThat(result.exitCode()).isEqualTo(ECONNRESET);
    }
  }

  /**
   * Over a link with latency and a tenth of the bandwidth of a fast Ethernet, the poll echo server
   * guest (non-blocking sockets and poll_oneoff) echoes a Java client's 300 KB and a client guest's
   * line byte for byte: its waits end when the delayed bytes come due.
   */
  @Test
  void aSlowLinkDeliversTheSameBytesToAndFromAPollingGuest() throws Exception {
    network.faults().between(app, service).latency(Duration.ofMillis(5)).bandwidth(10_000_000);
    WasiSockets.Builder sockets = WasiSockets.builder().withTransport(service.newTransport());
    InetSocketAddress listen = new InetSocketAddress(InetAddress.getByName("0.0.0.0"), PORT);
    byte[] sent = new byte[300_000];
    new Random(3).nextBytes(sent);
    try (Server server =
        GuestRun.serve(
            GuestFixture.C_POLL_ECHO_SERVER.bytes(), Mode.COMPILER, sockets, listen, "2")) {
      try (VirtualConnection connection = app.connect(new InetSocketAddress("10.0.0.1", PORT))) {
        CompletableFuture<byte[]> echoed =
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return connection.getInputStream().readAllBytes();
                  } catch (IOException e) {
                    throw new RuntimeException(e);
                  }
                });
        connection.getOutputStream().write(sent);
        connection.shutdownOutput();
        assertThat(Arrays.equals(echoed.get(30, TimeUnit.SECONDS), sent)).isTrue();
      }

      Result client = runClient("10.0.0.1", "ping over a slow link");
      assertThat(client.stdout()).isEqualTo("ping over a slow link\n");
      assertThat(client.exitCode()).isZero();

      Result result = server.join();
      assertThat(result.stdout()).isEqualTo("served 2\n");
      assertThat(result.exitCode()).isZero();
    }
  }

  private Result runClient(String address, String line) {
    NetworkPolicy policy =
        NetworkPolicy.builder().allow(NetworkUse.TCP_CONNECT, address + ":" + PORT).build();
    return GuestRun.run(
        CLIENT, Mode.COMPILER, policy, app.newTransport(), address, "" + PORT, line);
  }

  private static CompletableFuture<Void> echoOneLine(VirtualListener listener) {
    return CompletableFuture.runAsync(
        () -> {
          try (VirtualConnection connection = listener.accept()) {
            connection.getOutputStream().write(readLine(connection.getInputStream()).getBytes());
          } catch (IOException e) {
            throw new RuntimeException(e);
          }
        });
  }

  /** The bytes up to and with the first newline. */
  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0) {
      line.append((char) b);
      if (b == '\n') {
        break;
      }
    }
    return line.toString();
  }

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
