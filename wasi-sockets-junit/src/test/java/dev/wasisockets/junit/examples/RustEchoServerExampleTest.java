package dev.wasisockets.junit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.junit.GuestClient;
import dev.wasisockets.junit.RunningGuest;
import dev.wasisockets.junit.WasmGuest;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Rust server guest (std's {@code TcpListener::from_raw_fd(3)}, built with Debian's rustc), a
 * guest per test: written against the kit's public API only.
 */
class RustEchoServerExampleTest {
  @RegisterExtension
  final WasmGuest echo =
      WasmGuest.fromResource("/fixtures/rust/std_echo_server.wasm").listen().args("1");

  @Test
  void echoesAndSaysItServed(RunningGuest guest, GuestClient client) {
    assertThat(client.write("from rust\n").readLine()).isEqualTo("from rust");
    client.shutdownOutput();
    assertThat(client.readToEnd()).isEmpty();

    assertThat(guest.awaitExit(Duration.ofSeconds(10))).isZero();
    assertThat(guest.stdout()).isEqualTo("served 1\n");
  }
}
