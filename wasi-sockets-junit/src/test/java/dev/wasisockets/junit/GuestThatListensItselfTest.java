package dev.wasisockets.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.policy.NetworkUse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The WasmEdge C server, which binds and listens itself: the kit learns where from the host's
 * listen, so the test's client connects the moment the test starts, with no retry.
 */
class GuestThatListensItselfTest {
  @RegisterExtension
  final WasmGuest server =
      WasmGuest.fromResource("/fixtures/c/wasmedge_tcp_server.wasm")
          .allow(NetworkUse.BIND, "127.0.0.1")
          .listensItself()
          .args("127.0.0.1", "0", "1");

  @Test
  void theClientConnectsToThePortTheGuestChose(RunningGuest guest, GuestClient client) {
    assertThat(guest.address().getAddress().isLoopbackAddress()).isTrue();

    client.write("bound by the guest").shutdownOutput();

    assertThat(client.readTextToEnd()).isEqualTo("bound by the guest");
    assertThat(guest.awaitExit(Duration.ofSeconds(10))).isZero();
    assertThat(guest.stdout()).isEqualTo("listening on " + guest.port() + "\nserved 1\n");
  }
}
