package dev.wasisockets.bench;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import dev.wasisockets.WasiSockets;
import dev.wasisockets.compile.CompiledGuest;
import dev.wasisockets.compile.GuestCompiler;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.policy.NetworkPolicy;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs a guest fixture to its end, as an embedder does, in Chicory's interpreter or (any other
 * mode) its compiler.
 */
final class GuestProgram {
  private final CompiledGuest guest;

  GuestProgram(GuestFixture fixture, String mode) {
    // Compiled once, in memory: the rows measure a running guest, not its start.
    GuestCompiler.Mode how =
        mode.equals("interpreter") ? GuestCompiler.Mode.INTERPRETER : GuestCompiler.Mode.COMPILER;
    this.guest = GuestCompiler.builder().withMode(how).build().compile(fixture.bytes());
  }

  /** Runs with every network use granted; returns stdout, or fails with stderr. */
  String run(List<String> args) {
    return run(args, builder -> {});
  }

  String run(List<String> args, Consumer<WasiSockets.Builder> configure) {
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    run(args, stdout, configure);
    return stdout.toString(StandardCharsets.UTF_8);
  }

  /** Runs with its stdout to {@code stdout}; fails with stderr on a non-zero exit. */
  void run(List<String> args, OutputStream stdout, Consumer<WasiSockets.Builder> configure) {
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    List<String> argv = new ArrayList<>();
    argv.add("guest");
    argv.addAll(args);
    WasiSockets.Builder builder =
        WasiSockets.builder()
            .withWasiOptions(
                WasiOptions.builder()
                    .withArguments(argv)
                    .withStdout(stdout)
                    .withStderr(stderr)
                    .build())
            .withPolicy(NetworkPolicy.builder().allowAll().build());
    configure.accept(builder);
    int exit = 0;
    try (WasiSockets sockets = builder.build()) {
      Instance instance = guest.instanceBuilder(sockets).build();
      instance.export("_start").apply();
    } catch (WasiExitException e) {
      exit = e.exitCode();
    }
    if (exit != 0) {
      throw new IllegalStateException(
          "guest exited " + exit + ": " + stderr.toString(StandardCharsets.UTF_8));
    }
  }
}
