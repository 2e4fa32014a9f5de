package dev.wasisockets.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve}'s bad input, in-process: one line naming the problem, exit code 2. */
class ServeCommandTest {
  @TempDir Path dir;

  private final InProcessLauncher launcher = new InProcessLauncher();

  @Test
  void aBadPolicyFileExitsTwoNamingTheKeyAndLine() throws Exception {
    Path policy = Files.writeString(dir.resolve("bad.toml"), "[network]\nalow = [\"*\"]\n");

    assertThat(serve("--policy", policy.toString())).isEqualTo(2);
    assertThat(launcher.stderr())
        .startsWith("wasi-sockets: --policy " + policy + ":2: ")
        .hasLineCount(1);
  }

  @Test
  void policyAndNoPolicyExcludeEachOther() throws Exception {
    Path policy = Files.writeString(dir.resolve("ok.toml"), "[network]\n");

    assertThat(serve("--no-policy", "--policy", policy.toString())).isEqualTo(2);
    assertThat(launcher.stderr())
        .isEqualTo("wasi-sockets: --policy and --no-policy exclude each other (see --help)\n");
  }

  @Test
  void aPortOutOfRangeExitsTwo() {
    assertThat(serve("--port", "70000")).isEqualTo(2);
    assertThat(launcher.stderr())
        .isEqualTo("wasi-sockets: port must be 0 to 65535, got 70000 (see --help)\n");
  }

  @Test
  void aNegativeBandwidthExitsTwo() {
    assertThat(serve("--max-bandwidth-mbps", "-1")).isEqualTo(2);
    assertThat(launcher.stderr())
        .isEqualTo("wasi-sockets: --max-bandwidth-mbps must be 0 or more, got -1 (see --help)\n");
  }

  @Test
  void negativeTimeoutsAndCapsExitTwo() {
    for (String flag :
        new String[] {
          "--handshake-timeout-secs",
          "--first-request-timeout-secs",
          "--max-connections-per-address"
        }) {
      launcher.forget();
      assertThat(serve(flag, "-1")).isEqualTo(2);
      assertThat(launcher.stderr())
          .isEqualTo("wasi-sockets: " + flag + " must be 0 or more, got -1 (see --help)\n");
    }
  }

  @Test
  void anUnreadableTrustStoreExitsTwo() {
    Path missing = dir.resolve("missing.p12");

    assertThat(serve("--trust-store", missing.toString())).isEqualTo(2);
    assertThat(launcher.stderr())
        .startsWith("wasi-sockets: --trust-store " + missing + ": cannot read it: ")
        .hasLineCount(1);
  }

  @Test
  void aPortInUseExitsTwo() throws Exception {
    try (ServerSocket taken = new ServerSocket(0)) {
      assertThat(serve("--host", "127.0.0.1", "--port", "" + taken.getLocalPort())).isEqualTo(2);
      assertThat(launcher.stderr())
          .startsWith("wasi-sockets: cannot listen on 127.0.0.1:" + taken.getLocalPort())
          .hasLineCount(1);
    }
  }

  private int serve(String... args) {
    String[] command = new String[args.length + 1];
    command[0] = "serve";
    System.arraycopy(args, 0, command, 1, args.length);
    return launcher.launch(command);
  }
}
