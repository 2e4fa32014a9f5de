package dev.wasisockets.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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

  private static final Path JAVA_HOME = Path.of(System.getProperty("java.home"));

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
                JAVA_HOME,
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
  void onJdk25TheArchiveIsAnAotCacheAssembledAfterTheFirstRun() throws Exception {
    Path jdk25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");
    assumeTrue(Files.isExecutable(jdk25.resolve("bin/java")), "no JDK 25 at " + jdk25);
    Path client = GuestFixture.WASMEDGE_TCP_CLIENT.copyTo(dir);
    Path cacheHome = Files.createDirectory(dir.resolve("cache-home"));

    for (String run : List.of("first", "second")) {
      try (LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
        String port = "" + server.port();
        List<String> output =
            output(
                start(
                    cacheHome,
                    jdk25,
                    null,
                    "run",
                    "--allow-connect",
                    "127.0.0.1:" + port,
                    client.toString(),
                    "127.0.0.1",
                    port,
                    run));

        assertThat(server.receivedLine()).isEqualTo(run + "\n");
        assertThat(output.get(0)).as("the guest's stdout").isEqualTo("echo: " + run + "\n");
        assertThat(output.get(2)).isEqualTo("0");
        if (run.equals("first")) {
          // The JVM's one line saying it recorded; the assembling happens after, in the background.
          assertThat(output.get(1)).contains("AOTConfiguration recorded").hasLineCount(1);
          awaitAotCache(cacheHome);
        } else {
          assertThat(output.get(1)).isEmpty();
        }
      }
    }
  }

  @Test
  void withCdsOffNoArchiveIsMade() throws Exception {
    Path cacheHome = Files.createDirectory(dir.resolve("cache-home"));

    Process process = start(cacheHome, JAVA_HOME, "off", "--version");

    assertThat(output(process).get(0)).startsWith("wasi-sockets 0.");
    assertThat(cacheHome.resolve("wasi-sockets/cds")).doesNotExist();
  }

  private static Process start(Path cacheHome, Path javaHome, String cds, String... args)
      throws IOException {
    ProcessBuilder builder = new ProcessBuilder();
    builder.command().add(SCRIPT.toString());
    builder.command().addAll(List.of(args));
    builder.environment().put("XDG_CACHE_HOME", cacheHome.toString());
    builder.environment().put("JAVA_HOME", javaHome.toString());
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

  /** Waits, up to 60 s, for the AOT cache the first run's background step assembles. */
  private static void awaitAotCache(Path cacheHome) throws Exception {
    long deadline = System.nanoTime() + 60_000_000_000L;
    // The finished cache, not the part being written (".launcher-...aot").
    while (archives(cacheHome).stream()
        .map(p -> p.getFileName().toString())
        .noneMatch(name -> name.startsWith("launcher-") && name.endsWith(".aot"))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no AOT cache after 60 s: " + archives(cacheHome));
      }
      Thread.sleep(50);
    }
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
