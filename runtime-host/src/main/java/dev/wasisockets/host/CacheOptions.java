package dev.wasisockets.host;

import dev.wasisockets.compile.CompileCache;
import dev.wasisockets.compile.GuestCompiler;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The compile cache flags that {@code run} and {@code compile} share. */
final class CacheOptions {
  @Option(
      names = "--cache-dir",
      paramLabel = "DIR",
      description = {
        "Keep compiled guests in DIR (default: $XDG_CACHE_HOME/wasi-sockets, else",
        "~/.cache/wasi-sockets). See docs/compile-cache.md."
      })
  private Path directory;

  @Option(
      names = "--no-cache",
      description = "Compile the guest in memory; read and write no compile cache.")
  private boolean disabled;

  /** The cache these flags choose: none, the one named, or the user's. */
  CompileCache cache() {
    if (disabled && directory != null) {
      throw new IllegalArgumentException("--no-cache and --cache-dir exclude each other");
    }
    if (disabled) {
      return null;
    }
    return directory != null ? CompileCache.in(directory) : CompileCache.inUserCacheDirectory();
  }

  GuestCompiler compiler(GuestCompiler.Mode mode) {
    GuestCompiler.Builder compiler = GuestCompiler.builder().withMode(mode);
    CompileCache cache = cache();
    if (cache != null) {
      compiler.withCache(cache);
    }
    return compiler.build();
  }
}
