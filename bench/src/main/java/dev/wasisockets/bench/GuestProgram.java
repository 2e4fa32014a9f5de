package dev.wasisockets.bench;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.wasisockets.WasiSockets;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.policy.NetworkPolicy;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs a guest fixture to its end, as an embedder does, in Chicory's interpreter or (any other
 * mode) its compiler.
 */
final class GuestProgram {
  private final WasmModule module;
  private final boolean compiled;

  GuestProgram(GuestFixture fixture, String mode) {
    this.module = Parser.parse(fixture.bytes());
    this.compiled = !mode.equals("interpreter");
  }

  /** Runs with every network use granted; returns stdout, or fails with stderr. */
  String run(List<String> args) {
    return run(args, builder -> {});
  }

  String run(List<String> args, Consumer<WasiSockets.Builder> configure) {
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
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
      Instance.Builder instance =
          Instance.builder(module)
              .withImportValues(sockets.toImportValues(module))
              .withMemoryFactory(WasiSockets.memoryFactory())
              .withStart(false);
      if (compiled) {
        instance.withMachineFactory(MachineFactoryCompiler::compile);
      }
      instance.build().export("_start").apply();
    } catch (WasiExitException e) {
      exit = e.exitCode();
    }
    if (exit != 0) {
      throw new IllegalStateException(
          "guest exited " + exit + ": " + stderr.toString(StandardCharsets.UTF_8));
    }
    return stdout.toString(StandardCharsets.UTF_8);
  }
}
