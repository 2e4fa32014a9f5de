package dev.wasisockets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.GuestRun.Mode;
import dev.wasisockets.GuestRun.Result;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A guest that binds and listens itself tells its embedder where, through the host's own listen: no
 * polling of a port to learn when it serves (the JUnit kit waits for it so).
 */
class ListenCallbackTest {
  @Test
  void theCallbackGetsTheAddressTheGuestListensOnBeforeItAccepts() throws Exception {
    CompletableFuture<InetSocketAddress> listening = new CompletableFuture<>();
    WasiSockets.Builder sockets =
        WasiSockets.builder()
            .withPolicy(NetworkPolicy.builder().allow(NetworkUse.BIND, "127.0.0.1").build())
            .withListenCallback(listening::complete);
    CompletableFuture<Result> run =
        CompletableFuture.supplyAsync(
            () ->
                GuestRun.run(
                    GuestFixture.WASMEDGE_TCP_SERVER.bytes(),
                    Mode.COMPILER,
                    sockets,
                    "127.0.0.1",
                    "0",
                    "1"));

    InetSocketAddress address = listening.get(30, TimeUnit.SECONDS);
    assertThat(address.getAddress().isLoopbackAddress()).isTrue();
    assertThat(address.getPort()).isPositive();
    try (Socket client = new Socket(address.getAddress(), address.getPort())) {
      client.getOutputStream().write("called back".getBytes(StandardCharsets.UTF_8));
      client.shutdownOutput();
      assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo("called back");
    }
    Result result = run.get(30, TimeUnit.SECONDS);
    assertThat(result.stdout()).isEqualTo("listening on " + address.getPort() + "\nserved 1\n");
  }

  @Test
  void aPreopenedListenerIsNotCalledBack() {
    CompletableFuture<InetSocketAddress> listening = new CompletableFuture<>();
    try (WasiSockets sockets =
        WasiSockets.builder()
            .withTcpListener(new InetSocketAddress("127.0.0.1", 0))
            .withListenCallback(listening::complete)
            .build()) {
      assertThat(sockets.preopenedSockets()).hasSize(1);
    }
    assertThat(listening).isNotDone();
  }
}
