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
    Process process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                JAR.toString(),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--policy",
                policy.toString())
            .redirectErrorStream(true)
            .start();
    try (ServerSocket peer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String banner = out.readLine();
      assertThat(banner).startsWith("wasi-sockets: serving wasmnet on ws://127.0.0.1:");
      URI uri = URI.create(banner.substring(banner.indexOf("ws://")));

      BlockingQueue<String> events = new LinkedBlockingQueue<>();
      CompletableFuture<Integer> closeCode = new CompletableFuture<>();
      WebSocket webSocket =
          HttpClient.newHttpClient()
              .newWebSocketBuilder()
              .buildAsync(uri, new Collector(events, closeCode))
              .get(10, TimeUnit.SECONDS);
      webSocket
          .sendText(
              "{\"op\":\"connect\",\"id\":1,\"addr\":\"127.0.0.1\",\"port\":"
                  + peer.getLocalPort()
                  + "}",
              true)
          .join();
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
