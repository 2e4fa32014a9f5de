package dev.wasisockets.host;

import dev.wasisockets.policy.Limits;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.file.PolicyFile;
import dev.wasisockets.policy.file.PolicyFileException;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The policy flags {@code run} and {@code serve} share: a TOML policy file and the bandwidth cap
 * over it. What the two commands differ in, the meaning of the keys a file leaves out, is the
 * {@link PolicyFile.Defaults} each passes to {@link #builder}.
 */
final class PolicyOptions {
  @Spec(Spec.Target.MIXEE)
  private CommandSpec command;

  @Option(
      names = "--policy",
      paramLabel = "FILE",
      description = {
        "Read grants, denials and limits from a TOML policy file (wasmnet's [network] keys and",
        "ours: docs/policy.md). Keys it leaves out keep the command's default: nothing granted",
        "for run, wasmnet's for serve. Flags override its limits; run's grant flags add to it."
      })
  private Path file;

  @Option(
      names = "--max-bandwidth-mbps",
      paramLabel = "N",
      description = {
        "At most N megabits per second per direction, for all the sockets of one guest (run)",
        "or of one session (serve) together. 0: none."
      })
  private Long maxBandwidthMbps;

  boolean hasFile() {
    return file != null;
  }

  /**
   * The policy these flags choose, for the command to add its own flags to: the {@code --policy}
   * file's rules and limits, the keys it leaves out meaning {@code defaults}; without a file, what
   * an empty file means (every key at its default). Then the limit flags over its limits.
   */
  NetworkPolicy.Builder builder(PolicyFile.Defaults defaults) {
    NetworkPolicy.Builder builder;
    try {
      builder =
          file == null
              ? PolicyFile.parse("", "(no --policy)", defaults)
              : PolicyFile.load(file, defaults);
    } catch (PolicyFileException e) {
      throw usageError("--policy " + e.getMessage());
    }
    return withLimitFlags(builder);
  }

  /** {@code builder} with the limit flags over its limits (a flag wins over the file). */
  NetworkPolicy.Builder withLimitFlags(NetworkPolicy.Builder builder) {
    if (maxBandwidthMbps == null) {
      return builder;
    }
    if (maxBandwidthMbps < 0) {
      throw usageError("--max-bandwidth-mbps must be 0 or more, got " + maxBandwidthMbps);
    }
    Limits limits = builder.build().limits();
    return builder.limits(limits.withBytesPerSecond(Limits.megabitsToBytes(maxBandwidthMbps)));
  }

  private ParameterException usageError(String message) {
    return new ParameterException(command.commandLine(), message);
  }
}
