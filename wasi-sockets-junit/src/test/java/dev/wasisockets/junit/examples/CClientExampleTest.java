package dev.wasisockets.junit.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.junit.RunningGuest;
import dev.wasisockets.junit.WasmGuest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A C client guest (the WasmEdge socket extension) against a Java server the test opens first, on a
 * loopback port the OS picks; the guest may connect there and nowhere else.
 */
class CClientExampleTest {
  private final ServerSocket server = openOnLoopback();

  @RegisterExtension
  final WasmGuest client =
      WasmGuest.fromResource("/fixtures/c/wasmedge_tcp_client.wasm")
          .allowConnect("127.0.0.1:" + server.getLocalPort())
          .args("127.0.0.1", String.valueOf(server.getLocalPort()), "hello");

  @Test
  void sendsItsMessageAndPrintsTheReply(RunningGuest guest) throws IOException {
    server.setSoTimeout(10_000);
    try (Socket connection = server.accept()) {
      BufferedReader in =
          new BufferedReader(new InputStreamReader(connection.getInputStream(), UTF_8));
      assertThat(in.readLine()).isEqualTo("hello");
      connection.getOutputStream().write("hello yourself\n".getBytes(UTF_8));
    }

    assertThat(guest.awaitExit(Duration.ofSeconds(10))).isZero();
    assertThat(guest.stdout()).contains("hello yourself");
  }

  @AfterEach
  void closeTheServer() throws IOException {
    server.close();
  }

  private static ServerSocket openOnLoopback() {
    try {
      return new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
