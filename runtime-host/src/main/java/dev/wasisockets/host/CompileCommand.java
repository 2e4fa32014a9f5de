package dev.wasisockets.host;

import dev.wasisockets.compile.CompileCache;
import dev.wasisockets.compile.CompiledGuest;
import dev.wasisockets.compile.GuestCompiler;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code compile GUEST.wasm...}: fills the compile cache ahead of time, as {@code wasmtime compile}
 * does, so that a container image or a CI job ships guests that {@code run} starts warm.
 */
@Command(
    name = "compile",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Compiles guests into the compile cache, so that `run` starts them without compiling.",
      "Exit code: 0; 2 for bad input (a missing, non-Wasm or invalid module)."
    })
final class CompileCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Mixin private CacheOptions cacheOptions;

  @Parameters(arity = "1..*", paramLabel = "GUEST.wasm", description = "The guest modules.")
  private List<Path> guests = new ArrayList<>();

  private PrintStream stderr = System.err;

  void setStderr(PrintStream stderr) {
    this.stderr = stderr;
  }

  @Override
  public Integer call() {
    CompileCache cache;
    try {
      cache = cacheOptions.cache();
    } catch (IllegalArgumentException e) {
      throw usageError(e.getMessage());
    }
    if (cache == null) {
      throw usageError("compile fills the cache: --no-cache leaves it nothing to do");
    }
    GuestCompiler compiler = GuestCompiler.builder().withCache(cache).build();
    for (Path guest : guests) {
      CompiledGuest compiled;
      try {
        compiled = GuestFile.compile(guest, compiler);
      } catch (IllegalArgumentException e) {
        throw usageError(e.getMessage());
      }
      stderr.println(
          "wasi-sockets: "
              + guest
              + (compiled.origin() == CompiledGuest.Origin.CACHE
                  ? " is already compiled in "
                  : " compiled into ")
              + cache.directory());
    }
    return 0;
  }

  private ParameterException usageError(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
