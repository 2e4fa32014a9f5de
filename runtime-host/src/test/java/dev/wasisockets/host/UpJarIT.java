package dev.wasisockets.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasisockets.fixtures.GuestFixture;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar wasi-sockets.jar up FILE.toml} as a user runs it: two guests on one virtual
 * network, one reaching the other by name, a real client reaching a guest through a published port;
 * a bad file; Ctrl-C.
 */
@Timeout(120)
class UpJarIT {
  private static final Path JAR = Path.of(System.getProperty("wasi-sockets.jar"));

  private static final String ECHO_AND_CLIENT =
      """
      [[guest]]
      name = "echo"
      wasm = "preview1_echo_server.wasm"
      args = ["%s"]
      listen = ["0.0.0.0:7000"]

      [[guest]]
      name = "client"
      wasm = "wasmedge_lookup_client.wasm"
      args = ["echo", "7000", "hello, echo"]
      allow_lookup = true
      allow_connect = ["echo:7000"]

      [[publish]]
      from = "127.0.0.1:0"
      to = "echo:7000"
      """;

  @TempDir Path dir;

  @Test
  void twoGuestsTalkByNameAndARealClientReachesOneThroughThePublishedPort() throws Exception {
    Process process = up(upFile(ECHO_AND_CLIENT.formatted("2")));
    try {
      BufferedReader stderr = reader(process);
      int port = publishedPort(stderr.readLine());

      try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
        byte[] message = "from outside\n".repeat(10_000).getBytes(StandardCharsets.UTF_8);
        client.getOutputStream().write(message);
        client.shutdownOutput();
        assertThat(client.getInputStream().readAllBytes()).isEqualTo(message);
      }

      List<String> out = lines(process.getInputStream().readAllBytes());
      assertThat(exitCode(process)).isZero();
      assertThat(out).containsExactlyInAnyOrder("client | hello, echo", "echo   | served 2");
      assertThat(rest(stderr))
          .containsExactly("echo   | wasi-sockets: fd 3 listens on 0.0.0.0:7000");
    } finally {
      process.destroyForcibly();
    }
  }

  @Test
  void aBadFileIsOneLineOnStderrAndExitCode2() throws Exception {
    Path file =
        upFile(ECHO_AND_CLIENT.formatted("2").replace("to = \"echo:7000\"", "to = \"db:5432\""));
    Process process = up(file);
    try {
      assertThat(exitCode(process)).isEqualTo(2);
      assertThat(lines(process.getErrorStream().readAllBytes()))
          .containsExactly("up: publish[0].to: no guest is named \"db\" (line 16)");
      assertThat(process.getInputStream().readAllBytes()).isEmpty();
    } finally {
      process.destroyForcibly();
    }
  }

  /**
   * Ctrl-C (SIGINT, sent as a terminal sends it) while the echo guest waits for more connections:
   * the guest is stopped, the published port closed, the bridged connection ended, exit code 130.
   */
  @Test
  void ctrlCStopsEveryGuestAndClosesThePublishedPortWithExitCode130() throws Exception {
    Process process = up(upFile(ECHO_AND_CLIENT.formatted("5")));
    try {
      BufferedReader stderr = reader(process);
      int port = publishedPort(stderr.readLine());
      assertThat(stderr.readLine())
          .isEqualTo("echo   | wasi-sockets: fd 3 listens on 0.0.0.0:7000");
      Socket client = new Socket(InetAddress.getLoopbackAddress(), port);
      client.getOutputStream().write("ping\n".getBytes(StandardCharsets.UTF_8));
      assertThat(client.getInputStream().readNBytes(5))
          .isEqualTo("ping\n".getBytes(StandardCharsets.UTF_8));

      Process kill = new ProcessBuilder("kill", "-INT", "" + process.pid()).start();
      assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(kill.exitValue()).isZero();

      assertThat(exitCode(process)).isEqualTo(130);
      assertThat(rest(stderr)).contains("up: stopping every guest");
      // The bridged connection ended with the port (end-of-stream, or a reset if bytes were
      // in flight), and nobody listens there any more.
      try {
        assertThat(client.getInputStream().read()).isEqualTo(-1);
      } catch (IOException reset) {
        assertThat(reset).hasMessageContaining("reset");
      }
      client.close();
      assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
          .isInstanceOf(ConnectException.class);
    } finally {
      process.destroyForcibly();
    }
  }

  private Path upFile(String text) throws IOException {
    GuestFixture.C_PREVIEW1_ECHO_SERVER.copyTo(dir);
    GuestFixture.WASMEDGE_LOOKUP_CLIENT.copyTo(dir);
    return Files.writeString(dir.resolve("up.toml"), text);
  }

  private static Process up(Path file) throws IOException {
    Process process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                JAR.toString(),
                "up",
                file.toString())
            .start();
    process.getOutputStream().close();
    return process;
  }

  /** The real port from "up: publishing 127.0.0.1:P -> echo:7000 (10.0.0.1:7000)". */
  private static int publishedPort(String line) {
    assertThat(line)
        .matches("up: publishing 127\\.0\\.0\\.1:\\d+ -> echo:7000 \\(10\\.0\\.0\\.1:7000\\)");
    String address = line.substring("up: publishing ".length(), line.indexOf(" -> "));
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }

  private static BufferedReader reader(Process process) {
    return new BufferedReader(
        new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
  }

  private static List<String> rest(BufferedReader reader) {
    return reader.lines().toList();
  }

  private static List<String> lines(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8).lines().toList();
  }

  private static int exitCode(Process process) throws InterruptedException {
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited within 60 s").isTrue();
    return process.exitValue();
  }
}
