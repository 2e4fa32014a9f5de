package dev.wasisockets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.transport.direct.DirectTransport;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What one {@link WasiSockets.Builder} yields when it builds more than once. */
class WasiSocketsBuilderTest {
  private static final WasmModule ECHO_SERVER =
      Parser.parse(GuestFixture.C_PREVIEW1_ECHO_SERVER.bytes());

  @Test
  @Timeout(60)
  void twoBuildsAreIndependentSoClosingOneLeavesTheOthersSocketsWorking() throws Exception {
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    WasiSockets.Builder builder =
        WasiSockets.builder()
            .withWasiOptions(
                WasiOptions.builder()
                    .withArguments(List.of("echo_server", "1"))
                    .withStdout(stdout)
                    .build())
            .withTcpListener(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    WasiSockets first = builder.build();
    WasiSockets second = builder.build();
    // Both guests wait for their connections in their transports (poll, accept, recv).
    CompletableFuture<Integer> secondGuest = serve(second);
    CompletableFuture<Integer> firstGuest = serve(first);

    assertThat(echo(first, "first")).isEqualTo("first\n");
    assertThat(firstGuest.get(30, TimeUnit.SECONDS)).isZero(); // and the first is closed

    // Had the second the first's transport, its wait would now be on a closed selector.
    assertThat(echo(second, "still here")).isEqualTo("still here\n");
    assertThat(secondGuest.get(30, TimeUnit.SECONDS)).isZero();
    assertThat(stdout.toString(StandardCharsets.UTF_8)).isEqualTo("served 1\nserved 1\n");
  }

  /** Sends a line to the guest listening in {@code sockets}, closes, and returns all it echoed. */
  private static String echo(WasiSockets sockets, String line) throws Exception {
    int port = sockets.preopenedSockets().get(0).localAddress().getPort();
    try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return EchoClient.exchange(client, line + "\n");
    }
  }

  @Test
  void aTransportTheEmbedderGaveBelongsToOneBuildOnly() throws Exception {
    DirectTransport transport = new DirectTransport();
    WasiSockets.Builder builder = WasiSockets.builder().withTransport(transport);

    try (WasiSockets first = builder.build()) {
      assertThatThrownBy(builder::build)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("withTransport");
      // A new transport for the next build is fine.
      builder.withTransport(new DirectTransport()).build().close();
    }
  }

  /** Runs the echo server guest on its own thread; its exit code. */
  private static CompletableFuture<Integer> serve(WasiSockets sockets) {
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    Thread thread =
        new Thread(
            () -> {
              try (sockets) {
                Instance.builder(ECHO_SERVER)
                    .withImportValues(sockets.toImportValues(ECHO_SERVER))
                    .withMemoryFactory(WasiSockets.memoryFactory())
                    .build();
                exit.complete(0);
              } catch (WasiExitException e) {
                exit.complete(e.exitCode());
              } catch (Throwable e) {
                exit.completeExceptionally(e);
              }
            },
            "echo-guest");
    thread.setDaemon(true);
    thread.start();
    return exit;
  }
}
