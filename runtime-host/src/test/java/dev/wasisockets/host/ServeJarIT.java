package dev.wasisockets.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code java -jar wasi-sockets.jar serve} as a user runs it: start, one exchange, SIGTERM. */
class ServeJarIT {
  private static final Path JAR = Path.of(System.getProperty("wasi-sockets.jar"));

  @TempDir Path dir;

  @Test
  void servesAWebSocketClientAndSaysGoingAwayOnSigterm() throws Exception {
    // The gateway's default denies loopback; this policy lifts the default denials.
    Path policy = Files.writeString(dir.resolve("policy.toml"), "[network]\ndeny = []\n");
    Process process = serve("--policy", policy.toString());
    try (ServerSocket peer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      peer.setSoTimeout(10_000); // a connect the gateway refused fails the accept, not hangs it
      BlockingQueue<String> events = new LinkedBlockingQueue<>();
      CompletableFuture<Integer> closeCode = new CompletableFuture<>();
      WebSocket webSocket = connect(process, events, closeCode);
      webSocket.sendText(connectTo(peer), true).join();
      try (Socket accepted = peer.accept()) {
        assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("{\"ev\":\"connected\",\"id\":1}");

        process.destroy(); // SIGTERM

        assertThat(closeCode.get(10, TimeUnit.SECONDS)).isEqualTo(1001);
        assertThat(accepted.getInputStream().read()).isEqualTo(-1);
      }
    } finally {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  @Test
  void withoutAPolicyTheGatewayKeepsWasmnetsDefaultsAndDeniesLoopback() throws Exception {
    Process process = serve();
    try (ServerSocket peer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      BlockingQueue<String> events = new LinkedBlockingQueue<>();
      WebSocket webSocket = connect(process, events, new CompletableFuture<>());
      webSocket.sendText(connectTo(peer), true).join();

      assertThat(events.poll(10, TimeUnit.SECONDS))
          .startsWith("{\"ev\":\"denied\",\"id\":1,")
          .contains("127.0.0.1:" + peer.getLocalPort())
          .contains("(rule: deny loopback)");
    } finally {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  /** {@code java -jar wasi-sockets.jar serve} on a free loopback port, with {@code args}. */
  private static Process serve(String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                JAR.toString(),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                "0"));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }

  /** A WebSocket client of the gateway {@code process} names in its banner. */
  private static WebSocket connect(
      Process process, BlockingQueue<String> events, CompletableFuture<Integer> closeCode)
      throws Exception {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String banner = out.readLine();
    assertThat(banner).startsWith("wasi-sockets: serving wasmnet on ws://127.0.0.1:");
    URI uri = URI.create(banner.substring(banner.indexOf("ws://")));
    return HttpClient.newHttpClient()
        .newWebSocketBuilder()
        .buildAsync(uri, new Collector(events, closeCode))
        .get(10, TimeUnit.SECONDS);
  }

  private static String connectTo(ServerSocket peer) {
    return "{\"op\":\"connect\",\"id\":1,\"addr\":\"127.0.0.1\",\"port\":"
        + peer.getLocalPort()
        + "}";
  }

  private record Collector(BlockingQueue<String> events, CompletableFuture<Integer> closeCode)
      implements WebSocket.Listener {
    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      events.add(data.toString());
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closeCode.complete(statusCode);
      return null;
    }
  }
}
