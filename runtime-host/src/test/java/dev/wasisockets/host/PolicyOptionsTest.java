package dev.wasisockets.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The policy flags {@code run} and {@code serve} share ({@link PolicyOptions}): the same bad value
 * is the same one line and exit code 2 from either command.
 */
class PolicyOptionsTest {
  @TempDir Path dir;

  private final InProcessLauncher launcher = new InProcessLauncher();

  @Test
  void runAndServeRefuseABadPolicyFileWithTheSameLine() throws Exception {
    Path policy = Files.writeString(dir.resolve("bad.toml"), "[network]\nalow = [\"*\"]\n");

    assertThat(bothRefuse("--policy", policy.toString()))
        .isEqualTo(
            oneLine("--policy " + policy + ":2: unknown key network.alow (see docs/policy.md)"));
  }

  @Test
  void runAndServeRefuseAMissingPolicyFileWithTheSameLine() {
    Path missing = dir.resolve("nope.toml");

    assertThat(bothRefuse("--policy", missing.toString()))
        .isEqualTo(oneLine("--policy " + missing + ": no such file"));
  }

  @Test
  void runAndServeRefuseANegativeBandwidthWithTheSameLine() {
    assertThat(bothRefuse("--max-bandwidth-mbps", "-1"))
        .isEqualTo(oneLine("--max-bandwidth-mbps must be 0 or more, got -1"));
  }

  @Test
  void runAndServeRefuseABandwidthThatIsNotANumberWithTheSameLine() {
    assertThat(bothRefuse("--max-bandwidth-mbps", "ten"))
        .isEqualTo(oneLine("Invalid value for option '--max-bandwidth-mbps': 'ten' is not a long"));
  }

  /**
   * What {@code run FLAG VALUE guest.wasm} and {@code serve FLAG VALUE} print, after checking that
   * both exit with 2 and print the same. Neither gets as far as the guest or a listener: the policy
   * is read first.
   */
  private String bothRefuse(String flag, String value) {
    assertThat(launcher.launch("run", flag, value, "guest.wasm")).as("run").isEqualTo(2);
    String run = launcher.stderr();
    launcher.forget();
    assertThat(launcher.launch("serve", flag, value)).as("serve").isEqualTo(2);
    assertThat(launcher.stderr()).as("serve, as run").isEqualTo(run);
    return run;
  }

  private static String oneLine(String message) {
    return "wasi-sockets: " + message + " (see --help)\n";
  }
}
