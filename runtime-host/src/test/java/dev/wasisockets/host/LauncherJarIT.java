package dev.wasisockets.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.LoopbackLineServer;
import dev.wasisockets.fixtures.GuestFixture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shaded jar as a user runs it: {@code java -jar runtime-host/target/wasi-sockets.jar}. */
class LauncherJarIT {
  private static final Path JAR = Path.of(System.getProperty("wasi-sockets.jar"));
  private static final Path ROOT = Path.of(System.getProperty("wasi-sockets.root"));

  @TempDir Path dir;

  /** What a finished process did. */
  record Outcome(int exitCode, String stdout, String stderr) {}

  @Test
  void runsTheClientGuestAgainstALoopbackPeer() throws Exception {
    Path client = GuestFixture.WASMEDGE_TCP_CLIENT.copyTo(dir);
    try (LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
      String port = "" + server.port();

      Outcome outcome =
          java(
              "-jar",
              JAR.toString(),
              "run",
              "--allow-connect",
              "127.0.0.1:" + port,
              client.toString(),
              "127.0.0.1",
              port,
              "through the jar");

      assertThat(server.receivedLine()).isEqualTo("through the jar\n");
      assertThat(outcome.stdout()).isEqualTo("echo: through the jar\n");
      assertThat(outcome.stderr()).isEmpty();
      assertThat(outcome.exitCode()).isZero();
    }
  }

  @Test
  void aDeniedConnectGivesTheGuestEaccesAndLogsOneLineNamingTheRule() throws Exception {
    Path client = GuestFixture.WASMEDGE_TCP_CLIENT.copyTo(dir);
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.INET)) {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      server.configureBlocking(false);
      String port = "" + server.socket().getLocalPort();

      Outcome outcome =
          java("-jar", JAR.toString(), "run", client.toString(), "127.0.0.1", port, "x");

      assertThat(outcome.exitCode()).as("the guest exits with the errno: EACCES").isEqualTo(2);
      assertThat(outcome.stderr())
          .isEqualTo(
              "wasi-sockets: denied tcp connect to 127.0.0.1:"
                  + port
                  + " (rule: default deny; no --allow-connect grant matches)\n"
                  + "sock_connect failed: errno 2\n");
      assertThat(server.accept()).isNull();
    }
  }

  @Test
  void theReadmeExampleRunsAsWritten() throws Exception {
    Outcome outcome =
        run(
            List.of(
                "bash", ROOT.resolve("runtime-host/examples/echo-client.sh").toString(), "readme"));

    assertThat(outcome.stdout()).isEqualTo("echo: readme\n");
    assertThat(outcome.exitCode()).isZero();
  }

  @Test
  void versionPrintsAndExitsZero() throws Exception {
    Outcome outcome = java("-jar", JAR.toString(), "--version");

    assertThat(outcome.stdout()).startsWith("wasi-sockets 0.");
    assertThat(outcome.exitCode()).isZero();
  }

  private static Outcome java(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(javaExecutable());
    command.addAll(List.of(args));
    return run(command);
  }

  private static String javaExecutable() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static Outcome run(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).start();
    process.getOutputStream().close();
    // Small outputs: reading one stream to its end before the other cannot deadlock here.
    String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("still running after 60 s: " + command);
    }
    return new Outcome(process.exitValue(), stdout, stderr);
  }
}
