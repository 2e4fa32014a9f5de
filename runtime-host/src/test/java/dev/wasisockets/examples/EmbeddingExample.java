package dev.wasisockets.examples;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.wasisockets.WasiSockets;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** The README's embedding example, compiled and run by the build so that it stays true. */
public final class EmbeddingExample {
  private EmbeddingExample() {}

  /** Runs a WASI guest that may connect to 127.0.0.1:{@code port} only; returns what it printed. */
  public static String runGuest(Path wasm, int port, List<String> args) {
    WasmModule module = Parser.parse(wasm);
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    WasiOptions wasi =
        WasiOptions.builder().withArguments(args).withStdout(stdout).withStderr(System.err).build();
    NetworkPolicy policy =
        NetworkPolicy.builder().allow(NetworkUse.TCP_CONNECT, "127.0.0.1:" + port).build();

    try (WasiSockets sockets =
        WasiSockets.builder().withWasiOptions(wasi).withPolicy(policy).build()) {
      Instance instance =
          Instance.builder(module)
              .withImportValues(sockets.toImportValues(module))
              .withMemoryFactory(WasiSockets.memoryFactory())
              .withMachineFactory(MachineFactoryCompiler::compile)
              .withStart(false)
              .build();
      instance.export("_start").apply();
    } catch (WasiExitException e) {
      if (e.exitCode() != 0) {
        throw new IllegalStateException("guest exited with " + e.exitCode(), e);
      }
    }
    return stdout.toString(StandardCharsets.UTF_8);
  }
}
