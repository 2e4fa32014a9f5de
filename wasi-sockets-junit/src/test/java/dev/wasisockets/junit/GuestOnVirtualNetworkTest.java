package dev.wasisockets.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasisockets.transport.ConnectionResetException;
import dev.wasisockets.transport.virtual.VirtualHost;
import dev.wasisockets.transport.virtual.VirtualNetwork;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The echo server as a member of a virtual network, talked to from another member, with faults. */
class GuestOnVirtualNetworkTest {
  private final VirtualNetwork network = VirtualNetwork.create();
  private final VirtualHost server = network.host("echo");
  private final VirtualHost tester = network.host("tester");

  @RegisterExtension
  final WasmGuest echo =
      WasmGuest.fromResource("/fixtures/c/preview1_echo_server.wasm")
          .on(server)
          .listen(7000)
          .args("1");

  @Test
  void listensOnTheHostsAddressAndPort(RunningGuest guest) {
    assertThat(guest.address().getAddress()).isEqualTo(server.addresses().get(0));
    assertThat(guest.port()).isEqualTo(7000);

    try (GuestClient client = guest.client(tester)) {
      client.write("over the virtual network").shutdownOutput();
      assertThat(client.readTextToEnd()).isEqualTo("over the virtual network");
    }
    assertThat(guest.awaitExit(Duration.ofSeconds(10))).isZero();
  }

  @Test
  void aResetReachesTheClientAndTheGuest(RunningGuest guest) {
    GuestClient client = guest.client(tester);
    assertThat(client.write("before\n").readLine()).isEqualTo("before");

    assertThat(network.faults().resetConnections(server)).isPositive();

    assertThatThrownBy(client::readLine)
        .isInstanceOf(UncheckedIOException.class)
        .hasCauseInstanceOf(ConnectionResetException.class);
    // The guest's recv gets ECONNRESET: it says so and exits 1.
    assertThat(guest.awaitExit(Duration.ofSeconds(10))).isEqualTo(1);
    assertThat(guest.stderr()).contains("recv");
  }

  @Test
  void aLatencyStillDeliversEveryByte(RunningGuest guest) {
    network.faults().between(server, tester).latency(Duration.ofMillis(20));
    try (GuestClient client = guest.client(tester)) {
      assertThat(client.write("slow\n").readLine()).isEqualTo("slow");
    }
  }
}
