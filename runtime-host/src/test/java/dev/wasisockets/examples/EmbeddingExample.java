package dev.wasisockets.examples;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import dev.wasisockets.WasiSockets;
import dev.wasisockets.compile.CompileCache;
import dev.wasisockets.compile.CompiledGuest;
import dev.wasisockets.compile.GuestCompiler;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The README's embedding example, compiled and run by the build so that it stays true. */
public final class EmbeddingExample {
  private EmbeddingExample() {}

  /** Runs a WASI guest that may connect to 127.0.0.1:{@code port} only; returns what it printed. */
  public static String runGuest(Path wasm, int port, List<String> args) throws IOException {
    // Compiled once per machine: later runs load the compiled classes from the user's cache.
    GuestCompiler compiler =
        GuestCompiler.builder().withCache(CompileCache.inUserCacheDirectory()).build();
    CompiledGuest guest = compiler.compile(Files.readAllBytes(wasm));
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    WasiOptions wasi =
        WasiOptions.builder().withArguments(args).withStdout(stdout).withStderr(System.err).build();
    NetworkPolicy policy =
        NetworkPolicy.builder().allow(NetworkUse.TCP_CONNECT, "127.0.0.1:" + port).build();

    try (WasiSockets sockets =
        WasiSockets.builder().withWasiOptions(wasi).withPolicy(policy).build()) {
      // The guest's imports, memory that sockets use in place, and no start.
      Instance instance = guest.instanceBuilder(sockets).build();
      instance.export("_start").apply();
    } catch (WasiExitException e) {
      if (e.exitCode() != 0) {
        throw new IllegalStateException("guest exited with " + e.exitCode(), e);
      }
    }
    return stdout.toString(StandardCharsets.UTF_8);
  }
}
