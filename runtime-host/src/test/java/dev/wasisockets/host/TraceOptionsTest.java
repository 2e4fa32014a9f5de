package dev.wasisockets.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.LoopbackLineServer;
import dev.wasisockets.fixtures.GuestFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run --trace[=FILE]}, {@code --trace-filter} and {@code --trace-data}, through the
 * launcher.
 */
class TraceOptionsTest {
  @TempDir Path dir;

  private final InProcessLauncher launcher = new InProcessLauncher();

  @Test
  void traceWithoutAFileWritesTheLinesToStderrAndStillRunsTheGuestAfterIt() throws Exception {
    Path client = GuestFixture.WASMEDGE_TCP_CLIENT.copyTo(dir);
    try (LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
      int exit =
          launcher.launch(
              "run",
              "--allow-connect",
              "127.0.0.1:" + server.port(),
              "--trace",
              client.toString(),
              "127.0.0.1",
              "" + server.port(),
              "traced");

      assertThat(exit).isZero();
      assertThat(server.receivedLine()).isEqualTo("traced\n");
      assertThat(launcher.stdout()).isEqualTo("echo: traced\n");
      assertThat(withoutTimes(launcher.stderr().lines().toList()))
          .containsExactly(
              "sock_open(INET4, STREAM) = fd 3",
              "sock_connect(fd 3, 127.0.0.1:" + server.port() + ") = 0",
              "sock_send(fd 3, 7 bytes) = 7",
              "sock_recv(fd 3, 4096) = 13",
              "sock_shutdown(fd 3, SHUT_WR) = 0",
              "fd_close(fd 3) = 0");
    }
  }

  @Test
  void traceToAFileWithAFilterAndData() throws Exception {
    Path client = GuestFixture.WASMEDGE_TCP_CLIENT.copyTo(dir);
    Path trace = dir.resolve("trace.txt");
    try (LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
      int exit =
          launcher.launch(
              "run",
              "--allow-connect",
              "127.0.0.1:" + server.port(),
              "--trace=" + trace,
              "--trace-filter",
              "sock_send,sock_recv",
              "--trace-data",
              "4",
              client.toString(),
              "127.0.0.1",
              "" + server.port(),
              "secret");

      assertThat(exit).isZero();
      assertThat(launcher.stderr()).isEmpty();
      assertThat(withoutTimes(Files.readAllLines(trace)))
          .containsExactly(
              "sock_send(fd 3, 7 bytes) = 7 \"secr\"...", "sock_recv(fd 3, 4096) = 13 \"echo\"...");
    }
  }

  @Test
  void aCallThatCannotBeTracedIsOneLineAndExit2() {
    assertThat(launcher.launch("run", "--trace", "--trace-filter", "sock_frob", "guest.wasm"))
        .isEqualTo(2);
    assertThat(launcher.stderr())
        .startsWith("wasi-sockets: --trace-filter: not a traceable call: sock_frob (traceable: ")
        .hasLineCount(1);
  }

  @Test
  void theFiltersNeedTheTrace() {
    assertThat(launcher.launch("run", "--trace-data", "8", "guest.wasm")).isEqualTo(2);
    assertThat(launcher.stderr())
        .isEqualTo("wasi-sockets: --trace-filter and --trace-data need --trace (see --help)\n");
  }

  private static List<String> withoutTimes(List<String> lines) {
    return lines.stream()
        .peek(line -> assertThat(line).matches("\\d+\\.\\d{6} .*"))
        .map(line -> line.substring(line.indexOf(' ') + 1))
        .toList();
  }
}
