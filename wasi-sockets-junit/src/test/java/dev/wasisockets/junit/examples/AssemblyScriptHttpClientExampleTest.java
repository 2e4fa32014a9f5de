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
 * An AssemblyScript guest (an HTTP/1.0 client on the 2020 {@code sock_connect} dialect) against a
 * Java server the test opens first: the request it sends and the response it prints.
 */
class AssemblyScriptHttpClientExampleTest {
  private final ServerSocket server = openOnLoopback();

  @RegisterExtension
  final WasmGuest client =
      WasmGuest.fromResource("/fixtures/assemblyscript/http_client.wasm")
          .allowConnect("127.0.0.1:" + server.getLocalPort())
          .args("127.0.0.1", String.valueOf(server.getLocalPort()), "/hello");

  @Test
  void getsAndPrintsTheWholeResponse(RunningGuest guest) throws IOException {
    server.setSoTimeout(10_000);
    try (Socket connection = server.accept()) {
      BufferedReader in =
          new BufferedReader(new InputStreamReader(connection.getInputStream(), UTF_8));
      assertThat(in.readLine()).isEqualTo("GET /hello HTTP/1.0");
      connection
          .getOutputStream()
          .write("HTTP/1.0 200 OK\r\n\r\nhello from java\n".getBytes(UTF_8));
    }

    assertThat(guest.awaitExit(Duration.ofSeconds(10))).isZero();
    assertThat(guest.stdout()).contains("HTTP/1.0 200 OK").contains("hello from java");
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
