package dev.wasisockets.junit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One C echo server (preview 1 sockets, a preopened listener) for the whole class: every test talks
 * to the same guest, which serves their connections one after another.
 */
class SharedGuestTest {
  @RegisterExtension
  static final WasmGuest echo =
      WasmGuest.fromResource("/fixtures/c/preview1_echo_server.wasm")
          .listen()
          .args("100")
          .clientTimeout(Duration.ofSeconds(20));

  private static RunningGuest first;

  @Test
  void echoesALine(GuestClient client) {
    assertThat(client.write("hello\n").readLine()).isEqualTo("hello");
    remember(echo.running());
  }

  @Test
  void echoesBytesUntilTheClientHalfCloses(GuestClient client) {
    byte[] bytes = new byte[100_000];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) i;
    }
    client.write(bytes).shutdownOutput();

    assertThat(client.readToEnd()).isEqualTo(bytes);
    remember(echo.running());
  }

  @Test
  void readsExactlyTheBytesAsked(GuestClient client) {
    client.write("abcdef");

    assertThat(new String(client.readBytes(2), StandardCharsets.UTF_8)).isEqualTo("ab");
    assertThat(new String(client.readBytes(4), StandardCharsets.UTF_8)).isEqualTo("cdef");
    remember(echo.running());
  }

  @Test
  void itsClientsTakeTheGuestsTimeout(GuestClient client) {
    assertThat(client.timeout()).isEqualTo(Duration.ofSeconds(20));
    remember(echo.running());
  }

  @Test
  void theGuestIsAParameterToo(RunningGuest guest) {
    assertThat(guest.isRunning()).isTrue();
    assertThat(guest.address().getAddress().isLoopbackAddress()).isTrue();
    assertThat(guest.port()).isPositive();
    remember(guest);
  }

  @Test
  void aTestMayOpenClientsOfItsOwn() {
    try (GuestClient client = echo.client()) {
      assertThat(client.write("mine\n").readLine()).isEqualTo("mine");
    }
    remember(echo.running());
  }

  /** A nested class's tests share the outer class's guest, and its end does not stop it. */
  @Nested
  class InANestedClass {
    @Test
    void seesTheOuterClassesGuest(GuestClient client, RunningGuest guest) {
      assertThat(client.write("nested\n").readLine()).isEqualTo("nested");
      remember(guest);
    }
  }

  /** Every test saw the one guest: it was started once for the class. */
  private static synchronized void remember(RunningGuest guest) {
    if (first == null) {
      first = guest;
    }
    assertThat(guest).isSameAs(first);
  }

  @AfterAll
  static void theGuestServedEveryTestAndIsStillRunning() {
    assertThat(first.isRunning()).isTrue();
    assertThat(first.recentCalls()).anyMatch(line -> line.contains("sock_accept"));
  }
}
