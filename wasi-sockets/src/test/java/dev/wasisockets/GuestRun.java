package dev.wasisockets;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.wasisockets.policy.NetworkPolicy;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Runs a WASI command guest to completion on a {@link WasiSockets} host, as an embedder would. */
public final class GuestRun {
  /** How the guest's code runs: Chicory's interpreter or its compiler to JVM bytecode. */
  public enum Mode {
    INTERPRETER,
    COMPILER
  }

  /** What the guest did: its exit code and everything it printed. */
  public record Result(int exitCode, String stdout, String stderr) {}

  private GuestRun() {}

  public static Result run(byte[] wasm, Mode mode, NetworkPolicy policy, String... args) {
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    List<String> argv = new ArrayList<>();
    argv.add("guest.wasm");
    argv.addAll(List.of(args));
    WasiOptions options =
        WasiOptions.builder().withArguments(argv).withStdout(stdout).withStderr(stderr).build();
    WasmModule module = Parser.parse(wasm);
    int exitCode = 0;
    try (WasiSockets sockets =
        WasiSockets.builder().withWasiOptions(options).withPolicy(policy).build()) {
      Instance.Builder builder =
          Instance.builder(module)
              .withImportValues(sockets.toImportValues(module))
              .withStart(false); // _start is called below, once
      if (mode == Mode.COMPILER) {
        builder.withMachineFactory(MachineFactoryCompiler::compile);
      }
      builder.build().export("_start").apply();
    } catch (WasiExitException e) {
      exitCode = e.exitCode();
    }
    return new Result(
        exitCode, stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
  }
}
