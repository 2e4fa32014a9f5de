package dev.wasisockets.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.LoopbackLineServer;
import dev.wasisockets.fixtures.GuestFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code runtime-host/target/wasi-sockets}, the script beside the jar, as a user runs it: the first
 * run records a class-data-sharing archive, later runs use it, and the guest's output is the same
 * either way.
 */
class LauncherScriptIT {
  private static final Path SCRIPT =
      Path.of(System.getProperty("wasi-sockets.jar")).resolveSibling("wasi-sockets");

  @TempDir Path dir;

  @Test
  void theFirstRunRecordsAnArchiveAndTheNextRunsUseItWithTheSameOutput() throws Exception {
    Path client = GuestFixture.WASMEDGE_TCP_CLIENT.copyTo(dir);
    Path cacheHome = Files.createDirectory(dir.resolve("cache-home"));

    for (String run : List.of("first", "second", "third")) {
      try (LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
        String port = "" + server.port();
        Process process =
            start(
                cacheHome,
                null,
                "run",
                "--allow-connect",
                "127.0.0.1:" + port,
                client.toString(),
                "127.0.0.1",
                port,
                run);

        assertThat(server.receivedLine()).isEqualTo(run + "\n");
        assertThat(output(process))
            .as("stdout and stderr of the %s run", run)
            .isEqualTo(List.of("echo: " + run + "\n", "", "0"));
      }
      assertThat(archives(cacheHome)).as("after the %s run", run).hasSize(1);
    }
    // The guest was compiled once, into the same cache folder.
    try (Stream<Path> entries = Files.walk(cacheHome.resolve("wasi-sockets"))) {
      assertThat(entries.filter(p -> p.toString().endsWith(".entry"))).hasSize(1);
    }
  }

  @Test
  void withCdsOffNoArchiveIsMade() throws Exception {
    Path cacheHome = Files.createDirectory(dir.resolve("cache-home"));

    Process process = start(cacheHome, "off", "--version");

    assertThat(output(process).get(0)).startsWith("wasi-sockets 0.");
    assertThat(cacheHome.resolve("wasi-sockets/cds")).doesNotExist();
  }

  private static Process start(Path cacheHome, String cds, String... args) throws IOException {
    ProcessBuilder builder = new ProcessBuilder();
    builder.command().add(SCRIPT.toString());
    builder.command().addAll(List.of(args));
    builder.environment().put("XDG_CACHE_HOME", cacheHome.toString());
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    builder.environment().remove("JAVA_OPTS");
    if (cds != null) {
      builder.environment().put("WASI_SOCKETS_CDS", cds);
    }
    Process process = builder.start();
    process.getOutputStream().close();
    return process;
  }

  /** Stdout, stderr and the exit code of a process that ends within 60 s. */
  private static List<String> output(Process process) throws Exception {
    String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("still running after 60 s");
    }
    return List.of(stdout, stderr, "" + process.exitValue());
  }

  private static List<Path> archives(Path cacheHome) throws IOException {
    Path cds = cacheHome.resolve("wasi-sockets/cds");
    if (!Files.isDirectory(cds)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(cds)) {
      return files.toList();
    }
  }
}
