package dev.wasisockets.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.LoopbackLineServer;
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

  /**
   * A blackhole from the start: the client's connect to the echo guest (which has exited) is not
   * refused (14) but waits unanswered, then times out (73).
   */
  @Test
  void aFaultAtTheStartIsInPlaceBeforeTheFirstCall() throws Exception {
    Path file =
        upFile(
            """
            [network]
            connect_timeout_ms = 300

            [[guest]]
            name = "echo"
            wasm = "wasmedge_tcp_server.wasm"
            args = ["0.0.0.0", "7000", "0"]

            [[guest]]
            name = "client"
            wasm = "wasmedge_tcp_client.wasm"
            args = ["10.0.0.1", "7000", "anyone?"]
            allow_connect = ["10.0.0.1:7000"]

            [[fault]]
            blackhole = "echo"
            """);

    int exit = launcher.launch("up", file.toString());

    assertThat(launcher.stderr().lines())
        .contains("up: at 0 ms: blackhole echo", "client | sock_connect failed: errno 73");
    assertThat(exit).isEqualTo(73);
  }

  /**
   * A partition from the start and its heal later, over a slow link: the client's connect waits
   * through the partition, then goes through, and the line crosses both ways.
   */
  @Test
  void aTimedHealEndsAPartitionTheClientWaitedThrough() throws Exception {
    Path file =
        upFile(
            """
            [network]
            seed = 7
            connect_timeout_ms = 20000

            [[guest]]
            name = "echo"
            wasm = "preview1_echo_server.wasm"
            args = ["1"]
            listen = ["0.0.0.0:7000"]

            [[guest]]
            name = "client"
            wasm = "wasmedge_tcp_client.wasm"
            args = ["10.0.0.1", "7000", "after the heal"]
            allow_connect = ["10.0.0.1:7000"]

            [[link]]
            between = ["client", "echo"]
            latency_ms = 5
            bandwidth_mbps = 100

            [[fault]]
            partition = ["client", "echo"]

            [[fault]]
            at_ms = 300
            heal = ["client", "echo"]
            """);

    int exit = launcher.launch("up", file.toString());

    assertThat(launcher.stdout().lines())
        .containsExactlyInAnyOrder("client | after the heal", "echo   | served 1");
    assertThat(launcher.stderr().lines())
        .containsSubsequence(
            "up: at 0 ms: partition client and echo", "up: at 300 ms: heal client and echo");
    assertThat(exit).isZero();
  }

  /** A forward: the client guest looks "db" up and reaches a real server on loopback through it. */
  @Test
  void aGuestReachesARealServerThroughAForward() throws Exception {
    try (LoopbackLineServer real = LoopbackLineServer.onIpv4()) {
      Path file =
          upFile(
              """
              [[guest]]
              name = "client"
              wasm = "wasmedge_lookup_client.wasm"
              args = ["db", "5432", "hello, real db"]
              allow_lookup = true
              allow_connect = ["db:5432"]

              [[forward]]
              name = "db"
              port = 5432
              to = "127.0.0.1:%d"
              """
                  .formatted(real.port()));

      int exit = launcher.launch("up", file.toString());

      assertThat(real.receivedLine()).isEqualTo("hello, real db\n");
      assertThat(launcher.stdout().lines()).containsExactly("client | echo: hello, real db");
      assertThat(launcher.stderr().lines())
          .contains("up: forwarding db:5432 (10.0.0.2:5432) -> 127.0.0.1:" + real.port());
      assertThat(exit).isZero();
    }
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
    GuestFixture.WASMEDGE_TCP_SERVER.copyTo(dir);
    return Files.writeString(dir.resolve("up.toml"), text);
  }
}
