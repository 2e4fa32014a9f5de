package dev.wasisockets.junit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.junit.GuestClient;
import dev.wasisockets.junit.WasmGuest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

// docs/testing-guests.md shows this class whole: it uses the kit's public API only.
class EchoServerExampleTest {
  @RegisterExtension
  static final WasmGuest echo =
      WasmGuest.fromResource("/fixtures/c/preview1_echo_server.wasm").listen().args("100");

  @Test
  void echoesALine(GuestClient client) {
    assertThat(client.write("hello\n").readLine()).isEqualTo("hello");
  }

  @Test
  void echoesUntilTheClientHalfCloses(GuestClient client) {
    assertThat(client.write("bye").shutdownOutput().readTextToEnd()).isEqualTo("bye");
  }
}
