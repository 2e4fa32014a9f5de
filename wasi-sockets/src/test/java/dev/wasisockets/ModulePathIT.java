package dev.wasisockets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.fixtures.GuestFixture;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library's jar on the module path, as a modular application uses it: a module that requires
 * {@code dev.wasisockets} and nothing else (Chicory comes along through its {@code requires
 * transitive}) compiles against it and runs a socket guest that talks to a loopback peer, under a
 * Flight Recorder recording that gets the library's events from the named module.
 */
class ModulePathIT {
  // What the library needs at runtime: Chicory's runtime, WASI, Wasm model and logging.
  private static final List<String> CHICORY = List.of("runtime", "wasi", "wasm", "log");

  @Test
  @Timeout(120)
  void aModuleThatRequiresOnlyTheLibraryRunsASocketGuest(@TempDir Path dir) throws Exception {
    String modulePath =
        Stream.concat(Stream.of(Path.of(System.getProperty("wasi-sockets.jar"))), chicoryJars())
            .map(Path::toString)
            .collect(Collectors.joining(File.pathSeparator));
    Path classes = dir.resolve("classes");
    compileProbe(modulePath, classes);
    Path guest = dir.resolve("client.wasm");
    Files.write(guest, GuestFixture.WASMEDGE_TCP_CLIENT.bytes());

    Path recording = dir.resolve("probe.jfr");
    try (LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
      Process probe =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-Xlog:jfr+startup=off",
                  "-XX:StartFlightRecording:filename=" + recording,
                  "--module-path",
                  modulePath + File.pathSeparator + classes,
                  "-m",
                  "probe/probe.Probe",
                  guest.toString(),
                  "127.0.0.1",
                  "" + server.port(),
                  "from a module")
              .redirectErrorStream(false)
              .start();
      probe.getOutputStream().close();
      byte[] stdout = probe.getInputStream().readAllBytes();
      String stderr = new String(probe.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(probe.waitFor(60, TimeUnit.SECONDS)).isTrue();

      assertThat(stderr).contains("library module: dev.wasisockets");
      assertThat(probe.exitValue()).as(stderr).isZero();
      assertThat(new String(stdout, StandardCharsets.UTF_8)).isEqualTo("echo: from a module\n");
      assertThat(server.receivedLine()).isEqualTo("from a module\n");
    }
    List<RecordedEvent> closes =
        RecordingFile.readAllEvents(recording).stream()
            .filter(e -> e.getEventType().getName().equals("dev.wasisockets.SocketClose"))
            .toList();
    assertThat(closes)
        .singleElement()
        .satisfies(
            close -> assertThat(close.getLong("bytesSent")).isEqualTo("from a module\n".length()));
  }

  private static void compileProbe(String modulePath, Path classes) throws Exception {
    Path sources = Path.of(System.getProperty("module-path-probe"));
    List<String> args =
        new ArrayList<>(List.of("--module-path", modulePath, "-d", classes.toString()));
    try (Stream<Path> files = Files.walk(sources)) {
      files.filter(f -> f.toString().endsWith(".java")).forEach(f -> args.add(f.toString()));
    }
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    int rc =
        ToolProvider.getSystemJavaCompiler().run(null, errors, errors, args.toArray(String[]::new));
    assertThat(rc).as(errors.toString(StandardCharsets.UTF_8)).isZero();
  }

  /** Chicory's jars from this test's class path (Maven resolved them for the library). */
  private static Stream<Path> chicoryJars() {
    List<Path> jars =
        Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
            .map(Path::of)
            .filter(jar -> jar.toString().contains("com/dylibso/chicory/"))
            .filter(
                jar ->
                    CHICORY.stream()
                        .anyMatch(name -> jar.getFileName().toString().startsWith(name + "-")))
            .toList();
    assertThat(jars).hasSize(CHICORY.size());
    return jars.stream();
  }
}
