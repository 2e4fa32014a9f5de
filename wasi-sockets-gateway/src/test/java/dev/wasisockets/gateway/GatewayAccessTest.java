package dev.wasisockets.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.wasisockets.wasmnet.NettyLeakCheck;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.Request;
import java.net.URI;
import java.net.http.WebSocketHandshakeException;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NettyLeakCheck.class)
class GatewayAccessTest {
  private WasmnetGateway gateway;

  @AfterEach
  void stop() {
    gateway.close();
  }

  @Test
  void aTokenIsTakenFromTheHeaderOrTheQuery() throws Exception {
    gateway = TestGateways.onLoopback().token("s3cret").build().start();

    try (WasmnetTestClient client =
        WasmnetTestClient.connect(
            WasmnetTestClient.uri(gateway, "/"), Map.of("Authorization", "Bearer s3cret"))) {
      assertServes(client);
    }
    try (WasmnetTestClient client =
        WasmnetTestClient.connect(WasmnetTestClient.uri(gateway, "/?token=s3cret"), Map.of())) {
      assertServes(client);
    }
  }

  @Test
  void noTokenOrAWrongOneIs401() throws Exception {
    gateway = TestGateways.onLoopback().token("s3cret").build().start();

    assertThat(refusal(WasmnetTestClient.uri(gateway, "/"), Map.of())).isEqualTo(401);
    assertThat(refusal(WasmnetTestClient.uri(gateway, "/?token=guess"), Map.of())).isEqualTo(401);
    assertThat(
            refusal(WasmnetTestClient.uri(gateway, "/"), Map.of("Authorization", "Bearer guess")))
        .isEqualTo(401);
  }

  @Test
  void anOriginNotAllowedIs403() throws Exception {
    gateway = TestGateways.onLoopback().allowOrigin("https://app.example").build().start();

    assertThat(
            refusal(WasmnetTestClient.uri(gateway, "/"), Map.of("Origin", "https://evil.example")))
        .isEqualTo(403);
    try (WasmnetTestClient client =
        WasmnetTestClient.connect(
            WasmnetTestClient.uri(gateway, "/"), Map.of("Origin", "https://app.example"))) {
      assertServes(client);
    }
  }

  @Test
  void anotherPathIs404() throws Exception {
    gateway = TestGateways.onLoopback().path("/wasmnet").build().start();

    assertThat(refusal(WasmnetTestClient.uri(gateway, "/other"), Map.of())).isEqualTo(404);
    try (WasmnetTestClient client =
        WasmnetTestClient.connect(WasmnetTestClient.uri(gateway, "/wasmnet"), Map.of())) {
      assertServes(client);
    }
  }

  @Test
  void sessionsBeyondTheLimitAre503UntilOneEnds() throws Exception {
    gateway = TestGateways.onLoopback().maxSessions(1).build().start();

    WasmnetTestClient first = WasmnetTestClient.connect(gateway);
    assertServes(first);
    assertThat(refusal(WasmnetTestClient.uri(gateway, "/"), Map.of())).isEqualTo(503);

    first.close();
    WasmnetTestClient second = null;
    while (second == null) {
      // The slot frees when the gateway sees the first connection close; retry until then.
      try {
        second = WasmnetTestClient.connect(gateway);
      } catch (ExecutionException e) {
        assertThat(statusOf(e)).isEqualTo(503);
        Thread.onSpinWait();
      }
    }
    try (WasmnetTestClient client = second) {
      assertServes(client);
    }
  }

  /** One exchange that needs no peer. */
  private static void assertServes(WasmnetTestClient client) throws Exception {
    client.sendJson(new Request.Close(1));
    assertThat(client.next()).isEqualTo(new Event.Error(1, "unknown id 1"));
  }

  private static int refusal(URI uri, Map<String, String> headers) {
    Throwable failure = catchThrowable(() -> WasmnetTestClient.connect(uri, headers).close());
    return statusOf(failure);
  }

  private static int statusOf(Throwable failure) {
    assertThat(failure).hasCauseInstanceOf(WebSocketHandshakeException.class);
    return ((WebSocketHandshakeException) failure.getCause()).getResponse().statusCode();
  }
}
