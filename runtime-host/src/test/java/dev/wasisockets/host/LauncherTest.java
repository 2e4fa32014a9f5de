package dev.wasisockets.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.wabt.Wat2Wasm;
import dev.wasisockets.LoopbackLineServer;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.gateway.WasmnetGateway;
import dev.wasisockets.policy.NetworkPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The launcher in-process: exit codes, messages, and the guest's stdio. */
class LauncherTest {
  @TempDir Path dir;

  private final InProcessLauncher launcher = new InProcessLauncher();

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void runsTheClientGuestAgainstALoopbackPeer(boolean interpreter) throws Exception {
    Path client = GuestFixture.WASMEDGE_TCP_CLIENT.copyTo(dir);
    try (LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
      String port = "" + server.port();
      List<String> args = new ArrayList<>(List.of("run", "--allow-connect", "127.0.0.1:" + port));
      if (interpreter) {
        args.add("--interpreter");
      }
      args.addAll(List.of(client.toString(), "127.0.0.1", port, "from the launcher"));

      int exit = launcher.launch(args.toArray(String[]::new));

      assertThat(server.receivedLine()).isEqualTo("from the launcher\n");
      assertThat(launcher.stdout()).isEqualTo("echo: from the launcher\n");
      assertThat(exit).isZero();
    }
  }

  @Test
  void theGuestsExitCodeIsTheProcessExitCode() throws IOException {
    Path guest = wat("exit7.wasm", startBody("(call $proc_exit (i32.const 7))"));

    assertThat(launcher.launch("run", guest.toString())).isEqualTo(7);
  }

  @Test
  void argumentsAfterTheGuestAreTheGuestsEvenWhenTheyLookLikeOptions() throws IOException {
    Path guest = wat("exit0.wasm", startBody("(call $proc_exit (i32.const 0))"));

    assertThat(launcher.launch("run", guest.toString(), "--allow-connect", "--bogus")).isZero();
    assertThat(launcher.stderr()).isEmpty();
  }

  @Test
  void aTrapPrintsTheTrapAndExitsOne() throws IOException {
    Path guest = wat("trap.wasm", startBody("unreachable"));

    assertThat(launcher.launch("run", guest.toString())).isEqualTo(1);
    assertThat(launcher.stderr())
        .startsWith("wasi-sockets: guest trapped: ")
        .doesNotContain("\tat ");
  }

  @Test
  void anImportTheHostLacksIsNamedAndExitsTwo() throws IOException {
    Path guest =
        wat(
            "unknown.wasm",
            """
            (module
              (import "wasi_snapshot_preview1" "sock_teleport" (func (param i32) (result i32)))
              (memory (export "memory") 1)
              (func (export "_start")))
            """);

    assertThat(launcher.launch("run", guest.toString())).isEqualTo(2);
    assertThat(launcher.stderr())
        .isEqualTo(
            "wasi-sockets: guest imports wasi_snapshot_preview1.sock_teleport (i32) -> i32,"
                + " which this host does not provide (see --help)\n");
  }

  @Test
  void aModuleWithASharedMemoryIsRefusedWithOneLineAndExitsTwo() throws IOException {
    // Chicory's wat2wasm has no threads: an unshared (memory 1 2) made shared in the bytes.
    byte[] wasm =
        Wat2Wasm.parse(
            """
            (module
              (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
              (memory (export "memory") 1 2)
              (func (export "_start") (call $proc_exit (i32.const 0))))
            """);
    Path guest = Files.write(dir.resolve("threads.wasm"), shareTheMemory(wasm));

    assertThat(launcher.launch("run", guest.toString())).isEqualTo(2);
    assertThat(launcher.stderr())
        .isEqualTo(
            oneLine(
                "guest has a shared memory (WebAssembly threads), which this host does not"
                    + " support: its WASI, sockets and guest memory serve one thread"));
  }

  @Test
  void aFileThatIsNotWasmExitsTwo() throws IOException {
    Path text = Files.writeString(dir.resolve("notes.wasm"), "hello");

    assertThat(launcher.launch("run", text.toString())).isEqualTo(2);
    assertThat(launcher.stderr())
        .isEqualTo(oneLine(text + " is not a WebAssembly module (no \\0asm header)"));
  }

  @Test
  void aMissingFileExitsTwo() {
    Path missing = dir.resolve("missing.wasm");

    assertThat(launcher.launch("run", missing.toString())).isEqualTo(2);
    assertThat(launcher.stderr()).isEqualTo(oneLine("no such file: " + missing));
  }

  @Test
  void aModuleWithoutStartExitsTwo() throws IOException {
    Path library = wat("library.wasm", "(module (func (export \"f\")))");

    assertThat(launcher.launch("run", library.toString())).isEqualTo(2);
    assertThat(launcher.stderr())
        .isEqualTo(oneLine(library + " has no _start export: it is not a WASI command"));
  }

  @Test
  void anUnknownFlagExitsTwoWithOneLine() {
    assertThat(launcher.launch("run", "--allow-everything", "guest.wasm")).isEqualTo(2);
    assertThat(launcher.stderr()).isEqualTo(oneLine("Unknown option: '--allow-everything'"));
  }

  @Test
  void aBadGrantExitsTwoNamingIt() {
    assertThat(launcher.launch("run", "--allow-connect", "10.0.0.0/33", "guest.wasm")).isEqualTo(2);
    assertThat(launcher.stderr())
        .startsWith("wasi-sockets: Invalid value for option '--allow-connect'")
        .contains("'10.0.0.0/33' is not a rule (the prefix length must be 0 to 32)")
        .hasLineCount(1);
  }

  @Test
  void aDirThatIsNotADirectoryExitsTwo() throws IOException {
    Path guest = wat("exit0.wasm", startBody("(call $proc_exit (i32.const 0))"));

    assertThat(launcher.launch("run", "--dir", dir.resolve("nope") + "::/data", guest.toString()))
        .isEqualTo(2);
    assertThat(launcher.stderr()).contains("is not a directory").hasLineCount(1);
  }

  @Test
  void aBadListenAddressExitsTwoNamingIt() {
    assertThat(launcher.launch("run", "--tcplisten", "localhost:80", "guest.wasm")).isEqualTo(2);
    assertThat(launcher.stderr())
        .startsWith("wasi-sockets: Invalid value for option '--tcplisten'")
        .contains("'localhost:80' is not ADDRESS:PORT")
        .hasLineCount(1);
  }

  @Test
  void aBuildThatFailsAfterTheWasmnetLinkClosesTheLink() throws Exception {
    Path guest = wat("exit0.wasm", startBody("(call $proc_exit (i32.const 0))"));
    try (WasmnetGateway gateway =
            WasmnetGateway.builder()
                .host("127.0.0.1")
                .port(0)
                .policy(NetworkPolicy.gatewayDefault())
                .build()
                .start();
        ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String url = "ws://127.0.0.1:" + gateway.address().getPort() + "/";

      int exit =
          launcher.launch(
              "run",
              "--wasmnet",
              url,
              "--tcplisten",
              "127.0.0.1:" + taken.getLocalPort(),
              guest.toString());

      assertThat(exit).isEqualTo(2);
      // The session ends when the launcher closes its link; poll, bounded, for the gateway to see
      // it.
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (gateway.sessionCount() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(gateway.sessionCount()).isZero();
    }
  }

  @Test
  void aListenAddressInUseExitsTwo() throws IOException {
    Path guest = wat("exit0.wasm", startBody("(call $proc_exit (i32.const 0))"));
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String address = "127.0.0.1:" + taken.getLocalPort();

      assertThat(launcher.launch("run", "--tcplisten", address, guest.toString())).isEqualTo(2);
      assertThat(launcher.stderr())
          .startsWith("wasi-sockets: --tcplisten: cannot listen")
          .hasLineCount(1);
    }
  }

  @Test
  void abiChoosesWhatAnAmbiguousImportMeans() throws IOException {
    Path client = GuestFixture.AS_HTTP_CLIENT.copyTo(dir);

    // Forced to WasmEdge's meaning, the 2020 client's port (9) is read as the address of an
    // address descriptor, whose length is then no valid one: EINVAL.
    assertThat(
            launcher.launch("run", "--abi", "wasmedge", client.toString(), "127.0.0.1", "9", "/"))
        .isEqualTo(28);
    assertThat(launcher.stderr()).isEqualTo("sock_connect failed: errno 28\n");
  }

  @Test
  void anUnknownAbiExitsTwo() {
    assertThat(launcher.launch("run", "--abi", "wasix", "guest.wasm")).isEqualTo(2);
    assertThat(launcher.stderr())
        .contains("'wasix' is not one of auto, preview1, wasmedge, legacy2020");
  }

  @Test
  void aPolicyFileGrantsAndFlagsAddToIt() throws Exception {
    Path client = GuestFixture.WASMEDGE_TCP_CLIENT.copyTo(dir);
    try (LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
      Path policy =
          Files.writeString(
              dir.resolve("policy.toml"),
              "[network]\nallow = [\"127.0.0.1:" + server.port() + "\"]\nmax_connections = 4\n");

      int exit =
          launcher.launch(
              "run",
              "--policy",
              policy.toString(),
              "--max-connections",
              "2",
              client.toString(),
              "127.0.0.1",
              "" + server.port(),
              "by policy");

      assertThat(server.receivedLine()).isEqualTo("by policy\n");
      assertThat(exit).isZero();
    }
  }

  @Test
  void inheritNetworkGrantsEverythingButWhatIsDenied() throws Exception {
    Path client = GuestFixture.WASMEDGE_TCP_CLIENT.copyTo(dir);
    try (LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
      String port = "" + server.port();

      assertThat(
              launcher.launch(
                  "run", "--inherit-network", client.toString(), "127.0.0.1", port, "free"))
          .isZero();
      assertThat(server.receivedLine()).isEqualTo("free\n");
      assertThat(
              launcher.launch(
                  "run",
                  "--inherit-network",
                  "--deny",
                  "loopback",
                  client.toString(),
                  "127.0.0.1",
                  port,
                  "x"))
          .as("EACCES")
          .isEqualTo(2);
    }
  }

  @Test
  void aBadPolicyFileExitsTwoNamingTheKeyAndLine() throws IOException {
    Path policy = Files.writeString(dir.resolve("bad.toml"), "[network]\nalow = [\"*\"]\n");

    assertThat(launcher.launch("run", "--policy", policy.toString(), "guest.wasm")).isEqualTo(2);
    assertThat(launcher.stderr())
        .isEqualTo(
            oneLine("--policy " + policy + ":2: unknown key network.alow (see docs/policy.md)"));
  }

  @Test
  void aMissingPolicyFileExitsTwo() {
    Path missing = dir.resolve("nope.toml");

    assertThat(launcher.launch("run", "--policy", missing.toString(), "guest.wasm")).isEqualTo(2);
    assertThat(launcher.stderr()).isEqualTo(oneLine("--policy " + missing + ": no such file"));
  }

  @Test
  void noCommandExitsTwo() {
    assertThat(launcher.launch()).isEqualTo(2);
  }

  @Test
  void versionNamesTheProjectAndChicory() {
    assertThat(launcher.launch("--version")).isZero();
    assertThat(launcher.stdout()).startsWith("wasi-sockets ").contains("Chicory 1.7.5");
  }

  private static String oneLine(String message) {
    return "wasi-sockets: " + message + " (see --help)\n";
  }

  private Path wat(String name, String source) throws IOException {
    return Files.write(dir.resolve(name), Wat2Wasm.parse(source));
  }

  /** Sets the limits flag of a module's one declared memory from 1 (min, max) to 3 (shared). */
  private static byte[] shareTheMemory(byte[] wasm) {
    int at = 8; // after \0asm and the version
    while (wasm[at] != 5) { // the memory section
      at++;
      int size = 0;
      for (int shift = 0; ; shift += 7) { // the section's size, LEB128
        byte b = wasm[at++];
        size |= (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          break;
        }
      }
      at += size;
    }
    int flag = at + 3; // id, size, count (one byte each here), then the flag
    assertThat(wasm[at + 2]).as("memories").isEqualTo((byte) 1);
    assertThat(wasm[flag]).as("limits flag").isEqualTo((byte) 1);
    wasm[flag] = 3;
    return wasm;
  }

  private static String startBody(String body) {
    return """
        (module
          (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start") %s))
        """
        .formatted(body);
  }
}
