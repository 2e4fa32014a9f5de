package dev.wasisockets.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.LoopbackLineServer;
import dev.wasisockets.fixtures.GuestFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code compile} and the cache flags of {@code run}, in-process, on a real cache directory. */
class CompileCommandTest {
  @TempDir Path dir;

  private final InProcessLauncher launcher = new InProcessLauncher();

  @Test
  void compileFillsTheCacheAndRunThenTalksOverTheNetworkFromIt() throws Exception {
    Path client = GuestFixture.WASMEDGE_TCP_CLIENT.copyTo(dir);
    Path cache = dir.resolve("cache");

    assertThat(launcher.launch("compile", "--cache-dir", cache.toString(), client.toString()))
        .isZero();
    assertThat(launcher.stderr())
        .isEqualTo("wasi-sockets: " + client + " compiled into " + cache + "\n");
    assertThat(entries(cache)).hasSize(1);
    launcher.forget();
    assertThat(launcher.launch("compile", "--cache-dir", cache.toString(), client.toString()))
        .isZero();
    assertThat(launcher.stderr()).contains("is already compiled in");

    try (LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
      String port = "" + server.port();
      launcher.forget();
      int exit =
          launcher.launch(
              "run",
              "--cache-dir",
              cache.toString(),
              "--allow-connect",
              "127.0.0.1:" + port,
              client.toString(),
              "127.0.0.1",
              port,
              "warm");

      assertThat(server.receivedLine()).isEqualTo("warm\n");
      assertThat(launcher.stdout()).isEqualTo("echo: warm\n");
      assertThat(launcher.stderr()).isEmpty();
      assertThat(exit).isZero();
    }
    assertThat(entries(cache)).hasSize(1);
  }

  @Test
  void runWithNoCacheWritesNothing() throws Exception {
    Path guest = GuestFixture.WASMEDGE_TCP_CLIENT.copyTo(dir);
    Path cache = dir.resolve("cache");

    // No arguments: the guest prints its usage and exits 64, having been compiled.
    assertThat(launcher.launch("run", "--no-cache", guest.toString())).isEqualTo(64);
    assertThat(
            launcher.launch("run", "--cache-dir", cache.toString(), "--no-cache", guest.toString()))
        .isEqualTo(2);
    assertThat(cache).doesNotExist();
  }

  @Test
  void badInputToCompileIsOneLineAndExitTwo() throws IOException {
    Path notWasm = Files.writeString(dir.resolve("text.wasm"), "hello");

    assertThat(launcher.launch("compile", "--cache-dir", dir.toString(), notWasm.toString()))
        .isEqualTo(2);
    assertThat(launcher.stderr())
        .isEqualTo(
            "wasi-sockets: "
                + notWasm
                + " is not a WebAssembly module (no \\0asm header)"
                + " (see --help)\n");
    launcher.forget();
    assertThat(launcher.launch("compile", "--no-cache", notWasm.toString())).isEqualTo(2);
    assertThat(launcher.stderr()).hasLineCount(1);
    launcher.forget();
    assertThat(launcher.launch("compile")).isEqualTo(2);
    assertThat(launcher.stderr()).hasLineCount(1);
  }

  private static Stream<Path> entries(Path cache) throws IOException {
    try (Stream<Path> files = Files.walk(cache)) {
      return files.filter(p -> p.toString().endsWith(".entry")).toList().stream();
    }
  }
}
