package dev.wasisockets.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.fixtures.GuestFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code up} in-process: guests that reach each other by name on the virtual network, their lines
 * prefixed, the worst exit code, and what is refused before anything starts.
 */
@Timeout(120)
class UpCommandTest {
  @TempDir Path dir;

  private final InProcessLauncher launcher = new InProcessLauncher();

  /** The echo server guest and a client guest that looks "echo" up and talks to it. */
  @Test
  void aClientGuestReachesAnEchoGuestByNameAndEachLineIsPrefixed() throws Exception {
    Path file =
        upFile(
            """
            [[guest]]
            name = "echo"
            wasm = "preview1_echo_server.wasm"
            args = ["1"]
            listen = ["0.0.0.0:7000"]

            [[guest]]
            name = "client"
            wasm = "wasmedge_lookup_client.wasm"
            args = ["echo", "7000", "hello over the virtual network"]
            allow_lookup = true
            allow_connect = ["echo:7000"]
            """);

    int exit = launcher.launch("up", file.toString());

    assertThat(launcher.stdout().lines())
        .containsExactlyInAnyOrder("client | hello over the virtual network", "echo   | served 1");
    assertThat(launcher.stderr().lines())
        .containsExactly("echo   | wasi-sockets: fd 3 listens on 0.0.0.0:7000");
    assertThat(exit).isZero();
  }

  /** {@code trace = "-"}: the guest's socket calls among its own stderr lines; a file's to it. */
  @Test
  void aGuestsTraceGoesToItsPrefixedStderrOrToAFile() throws Exception {
    Path file =
        upFile(
            """
            [[guest]]
            name = "echo"
            wasm = "preview1_echo_server.wasm"
            args = ["1"]
            listen = ["0.0.0.0:7000"]
            trace = "echo.trace"

            [[guest]]
            name = "client"
            wasm = "wasmedge_tcp_client.wasm"
            args = ["10.0.0.1", "7000", "traced"]
            allow_connect = ["10.0.0.1:7000"]
            trace = "-"
            """);

    int exit = launcher.launch("up", file.toString());

    assertThat(exit).isZero();
    List<String> clientLines =
        launcher.stderr().lines().filter(line -> line.startsWith("client | ")).toList();
    assertThat(clientLines).anyMatch(line -> line.contains("sock_connect("));
    assertThat(Files.readString(dir.resolve("echo.trace"))).contains("sock_accept(");
    assertThat(launcher.stderr()).doesNotContain("echo   | sock_accept(");
  }

  /** A client whose connect is refused exits with ECONNREFUSED (14): that is up's exit code. */
  @Test
  void theExitCodeIsTheWorstGuests() throws Exception {
    Path file =
        upFile(
            """
            [[guest]]
            name = "echo"
            wasm = "preview1_echo_server.wasm"
            args = ["1"]
            listen = ["0.0.0.0:7000"]

            [[guest]]
            name = "good"
            wasm = "wasmedge_tcp_client.wasm"
            args = ["10.0.0.1", "7000", "fine"]
            allow_connect = ["10.0.0.1:7000"]

            [[guest]]
            name = "refused"
            wasm = "wasmedge_tcp_client.wasm"
            args = ["10.0.0.1", "7001", "anyone?"]
            allow_connect = ["10.0.0.1:7001"]
            """);

    int exit = launcher.launch("up", file.toString());

    assertThat(launcher.stdout().lines())
        .containsExactlyInAnyOrder("good    | fine", "echo    | served 1");
    assertThat(launcher.stderr().lines()).contains("refused | sock_connect failed: errno 14");
    assertThat(exit).isEqualTo(14);
  }

  @Test
  void aBadFileIsOneLineAndExitCode2() throws Exception {
    Path file =
        upFile(
            """
            [[guest]]
            name = "echo"
            wasm = "preview1_echo_server.wasm"
            listen = ["x"]
            """);

    assertThat(launcher.launch("up", file.toString())).isEqualTo(2);
    assertThat(launcher.stderr())
        .isEqualTo("up: guest[0].listen[0]: not an address: \"x\" (ADDRESS:PORT) (line 4)\n");
    assertThat(launcher.stdout()).isEmpty();
  }

  @Test
  void aModuleThatIsNotThereIsRefusedBeforeAnyGuestStarts() throws Exception {
    Path file =
        upFile(
            """
            [[guest]]
            name = "echo"
            wasm = "preview1_echo_server.wasm"
            listen = ["0.0.0.0:7000"]

            [[guest]]
            name = "gone"
            wasm = "gone.wasm"
            """);

    assertThat(launcher.launch("up", file.toString())).isEqualTo(2);
    assertThat(launcher.stderr())
        .isEqualTo("up: guest[1].wasm: no such file: " + dir.resolve("gone.wasm") + "\n");
  }

  @Test
  void twoListenersOnOnePortAreRefusedBeforeAnyGuestStarts() throws Exception {
    Path file =
        upFile(
            """
            [[guest]]
            name = "echo"
            wasm = "preview1_echo_server.wasm"
            listen = ["0.0.0.0:7000", "10.0.0.1:7000"]
            """);

    assertThat(launcher.launch("up", file.toString())).isEqualTo(2);
    assertThat(launcher.stderr()).startsWith("up: guest[0].listen: ").doesNotContain("\n\n");
    assertThat(launcher.stderr().lines()).hasSize(1);
  }

  @Test
  void aPublishedPortInUseIsRefusedBeforeAnyGuestStarts() throws Exception {
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Path file =
          upFile(
              """
              [[guest]]
              name = "echo"
              wasm = "preview1_echo_server.wasm"
              listen = ["0.0.0.0:7000"]

              [[publish]]
              from = "127.0.0.1:%d"
              to = "echo:7000"
              """
                  .formatted(taken.getLocalPort()));

      assertThat(launcher.launch("up", file.toString())).isEqualTo(2);
      assertThat(launcher.stderr()).startsWith("up: publish[0].from: cannot listen on 127.0.0.1:");
      assertThat(launcher.stderr().lines()).hasSize(1);
      assertThat(launcher.stdout()).isEmpty();
    }
  }

  /** The file, beside copies of the fixtures it names. */
  private Path upFile(String text) throws Exception {
    GuestFixture.C_PREVIEW1_ECHO_SERVER.copyTo(dir);
    GuestFixture.WASMEDGE_LOOKUP_CLIENT.copyTo(dir);
    GuestFixture.WASMEDGE_TCP_CLIENT.copyTo(dir);
    return Files.writeString(dir.resolve("up.toml"), text);
  }
}
