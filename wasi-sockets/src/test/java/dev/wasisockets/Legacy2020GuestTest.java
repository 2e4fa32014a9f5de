package dev.wasisockets;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.wasisockets.GuestRun.Mode;
import dev.wasisockets.GuestRun.Result;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The AssemblyScript client in the 2020 dialect, against the JDK's own HTTP server. */
class Legacy2020GuestTest {
  private static final int EACCES = 2;

  @ParameterizedTest
  @EnumSource(Mode.class)
  void getsAPageOverHttp(Mode mode) throws Exception {
    HttpServer http =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    AtomicReference<String> requested = new AtomicReference<>();
    http.createContext(
        "/",
        exchange -> {
          requested.set(exchange.getRequestMethod() + " " + exchange.getRequestURI());
          byte[] body = "hello from the JVM\n".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    http.start();
    try {
      int port = http.getAddress().getPort();
      NetworkPolicy policy =
          NetworkPolicy.builder().allow(NetworkUse.TCP_CONNECT, "127.0.0.1:" + port).build();

      Result result =
          GuestRun.run(
              GuestFixture.AS_HTTP_CLIENT.bytes(), mode, policy, "127.0.0.1", "" + port, "/page");

      assertThat(requested.get()).isEqualTo("GET /page");
      assertThat(result.stdout())
          .startsWith("HTTP/1.1 200 OK\r\n")
          .endsWith("\r\n\r\nhello from the JVM\n");
      assertThat(result.exitCode()).isZero();
    } finally {
      http.stop(0);
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aDeniedConnectIsEacces(Mode mode) {
    Result result =
        GuestRun.run(
            GuestFixture.AS_HTTP_CLIENT.bytes(),
            mode,
            NetworkPolicy.denyAll(),
            "127.0.0.1",
            "9",
            "/");

    assertThat(result.stderr()).isEqualTo("sock_connect failed: errno 2\n");
    assertThat(result.exitCode()).isEqualTo(EACCES);
  }
}
