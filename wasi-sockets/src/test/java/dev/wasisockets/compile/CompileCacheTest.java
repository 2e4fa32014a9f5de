package dev.wasisockets.compile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasm.ChicoryException;
import dev.wasisockets.LogCapture;
import dev.wasisockets.LoopbackLineServer;
import dev.wasisockets.WasiSockets;
import dev.wasisockets.compile.CompiledGuest.Origin;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The compile cache on a real directory, with a real guest that talks over loopback. */
class CompileCacheTest {
  private static final byte[] CLIENT = GuestFixture.WASMEDGE_TCP_CLIENT.bytes();

  @TempDir Path directory;

  @Test
  void aSecondCompilerLoadsTheGuestFromTheCacheAndItStillTalksOverTheNetwork() throws Exception {
    CompileCache cache = CompileCache.in(directory);

    CompiledGuest first = compiler(cache).compile(CLIENT);
    CompiledGuest second = compiler(cache).compile(CLIENT);

    assertThat(first.origin()).isEqualTo(Origin.COMPILED);
    assertThat(second.origin()).isEqualTo(Origin.CACHE);
    assertThat(entries()).hasSize(1);
    assertThat(talksToALineServer(second, "from the cache")).isTrue();
  }

  @Test
  void theCacheDirectoryIsTheOwnersOnly() throws Exception {
    Path cacheDirectory = directory.resolve("made-by-the-cache");

    compiler(CompileCache.in(cacheDirectory)).compile(CLIENT);

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cacheDirectory)))
        .isEqualTo("rwx------");
  }

  @Test
  void oneCompilerRemembersWhatItCompiled() {
    GuestCompiler compiler = compiler(CompileCache.in(directory));

    assertThat(compiler.compile(CLIENT)).isSameAs(compiler.compile(CLIENT));
  }

  @Test
  void aDamagedEntryIsCompiledAnewWithOneWarningAndReplaced() throws Exception {
    CompileCache cache = CompileCache.in(directory);
    compiler(cache).compile(CLIENT);
    Path entry = entries().get(0);
    byte[] stored = Files.readAllBytes(entry);
    byte[] flipped = stored.clone();
    flipped[flipped.length / 2] ^= 0x40;

    for (byte[] damaged : List.of(flipped, java.util.Arrays.copyOf(stored, stored.length / 3))) {
      Files.write(entry, damaged);
      try (LogCapture log = new LogCapture(CompileCache.class.getName())) {
        CompiledGuest guest = compiler(cache).compile(CLIENT);

        assertThat(guest.origin()).isEqualTo(Origin.COMPILED);
        assertThat(log.lines()).singleElement().asString().contains("damaged");
        assertThat(talksToALineServer(guest, "recompiled")).isTrue();
      }
      // Replaced by a sound entry (not byte for byte the first: Chicory's jar holds a timestamp).
      assertThat(Files.readAllBytes(entry)).isNotEqualTo(damaged);
      assertThat(compiler(cache).compile(CLIENT).origin()).isEqualTo(Origin.CACHE);
    }
  }

  @Test
  void anUnwritableDirectoryCompilesInMemoryWithOneWarning() throws Exception {
    // Root ignores permission bits, so the directory cannot be made because a file is in the way.
    Path file = Files.writeString(directory.resolve("a-file"), "not a directory");
    CompileCache cache = CompileCache.in(file.resolve("cache"));

    try (LogCapture log = new LogCapture(CompileCache.class.getName())) {
      CompiledGuest first = compiler(cache).compile(CLIENT);
      CompiledGuest second = compiler(cache).compile(CLIENT);

      assertThat(first.origin()).isEqualTo(Origin.COMPILED);
      assertThat(second.origin()).isEqualTo(Origin.COMPILED);
      assertThat(log.lines()).singleElement().asString().contains("without the cache");
      assertThat(talksToALineServer(second, "in memory")).isTrue();
    }
  }

  @Test
  void concurrentWritersOfOneGuestLeaveOneIntactEntry() throws Exception {
    CompileCache cache = CompileCache.in(directory);
    int writers = 4;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<CompiledGuest>> results = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        // Each its own compiler, as separate processes would be.
        results.add(pool.submit(() -> compiler(cache).compile(CLIENT)));
      }
      for (Future<CompiledGuest> result : results) {
        assertThat(talksToALineServer(result.get(), "concurrent")).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(entries()).hasSize(1);
    assertThat(CacheEntry.decode(Files.readAllBytes(entries().get(0)))).isPresent();
    try (Stream<Path> temps = Files.list(directory.resolve(".tmp"))) {
      assertThat(temps).isEmpty();
    }
    assertThat(compiler(cache).compile(CLIENT).origin()).isEqualTo(Origin.CACHE);
  }

  @Test
  void aModuleThatFailsValidationIsNeverStored() throws Exception {
    byte[] invalid = returningI64("(module (func (result i32) i32.const 7))");
    CompileCache cache = CompileCache.in(directory);

    assertThatThrownBy(() -> compiler(cache).compile(invalid)).isInstanceOf(ChicoryException.class);
    assertThatThrownBy(() -> compiler(cache).compile(invalid)).isInstanceOf(ChicoryException.class);
    assertThat(entries()).isEmpty();
  }

  @Test
  void aCachedModuleIsNotValidatedAgain() throws Exception {
    // Proof that validation is skipped: the entry of a valid module planted under the key of an
    // invalid one loads. (Only someone who can write the cache directory can do this; it is why
    // the directory is the owner's only.)
    byte[] valid = Wat2Wasm.parse("(module (func (export \"f\") (result i32) i32.const 1))");
    byte[] invalid = returningI64("(module (func (export \"f\") (result i32) i32.const 7))");
    CompileCache cache = CompileCache.in(directory);
    compiler(cache).compile(valid);
    Path plantedFile = cache.entryFile(Sha256.hex(invalid));
    Files.createDirectories(plantedFile.getParent());
    Files.copy(cache.entryFile(Sha256.hex(valid)), plantedFile);

    CompiledGuest planted = compiler(cache).compile(invalid);

    assertThat(planted.origin()).isEqualTo(Origin.CACHE);
  }

  @Test
  void anotherChicoryOrLibraryVersionCompilesAnew() {
    CompileCache cache = CompileCache.in(directory);
    compiler(cache).compile(CLIENT);

    CompiledGuest other = compiler(cache.withVersion("another version")).compile(CLIENT);

    assertThat(other.origin()).isEqualTo(Origin.COMPILED);
  }

  @Test
  void theLeastRecentlyUsedEntriesGoWhenTheCacheIsFull() throws Exception {
    byte[] first = Wat2Wasm.parse("(module (func (export \"f\") (result i32) i32.const 1))");
    byte[] second = Wat2Wasm.parse("(module (func (export \"f\") (result i32) i32.const 2))");
    CompileCache unbounded = CompileCache.in(directory);
    compiler(unbounded).compile(first);
    long oneEntry = Files.size(entries().get(0));
    CompileCache room = unbounded.withMaxBytes(oneEntry + oneEntry / 2);

    compiler(room).compile(second);

    assertThat(entries()).containsExactly(room.entryFile(Sha256.hex(second)));
    assertThat(compiler(room).compile(second).origin()).isEqualTo(Origin.CACHE);
    assertThat(compiler(room).compile(first).origin()).isEqualTo(Origin.COMPILED);
  }

  @Test
  void aFunctionTooLargeForTheJvmRunsInterpretedAndItsModuleIsStillValidated() throws Exception {
    byte[] huge = Wat2Wasm.parse(hugeFunctionModule(40_000));
    CompileCache cache = CompileCache.in(directory);

    CompiledGuest compiled = compiler(cache).compile(huge);
    CompiledGuest cached = compiler(cache).compile(huge);

    assertThat(compiled.origin()).isEqualTo(Origin.COMPILED);
    assertThat(cached.origin()).isEqualTo(Origin.CACHE);
    CacheEntry entry =
        CacheEntry.decode(Files.readAllBytes(cache.entryFile(Sha256.hex(huge)))).orElseThrow();
    assertThat(entry.needsValidation()).isTrue();
    for (CompiledGuest guest : List.of(compiled, cached)) {
      Instance instance = guest.instanceBuilder().build();
      assertThat(instance.export("sum").apply()[0]).isEqualTo(40_000L);
    }
  }

  @Test
  void theUserCacheFollowsXdgCacheHome() {
    assertThat(CompileCache.userCacheDirectory(Map.of("XDG_CACHE_HOME", "/x/cache"), "/home/u"))
        .isEqualTo(Path.of("/x/cache/wasi-sockets"));
    assertThat(CompileCache.userCacheDirectory(Map.of(), "/home/u"))
        .isEqualTo(Path.of("/home/u/.cache/wasi-sockets"));
    // The XDG specification: a relative path is invalid and ignored.
    assertThat(CompileCache.userCacheDirectory(Map.of("XDG_CACHE_HOME", "rel"), "/home/u"))
        .isEqualTo(Path.of("/home/u/.cache/wasi-sockets"));
  }

  @Test
  void theInterpreterNeedsNoCompile() {
    GuestCompiler interpreter =
        GuestCompiler.builder()
            .withMode(GuestCompiler.Mode.INTERPRETER)
            .withCache(CompileCache.in(directory))
            .build();

    assertThat(interpreter.compile(CLIENT).origin()).isEqualTo(Origin.INTERPRETER);
    assertThat(directory).isEmptyDirectory();
  }

  /** A function of {@code n} times {@code i32.const 1; i32.add}: far past a JVM method's 64 KiB. */
  private static String hugeFunctionModule(int n) {
    StringBuilder wat =
        new StringBuilder("(module (func (export \"sum\") (result i32) i32.const 0");
    for (int i = 0; i < n; i++) {
      wat.append(" i32.const 1 i32.add");
    }
    return wat.append("))").toString();
  }

  /**
   * The module of {@code wat}, whose one {@code i32.const 7} is turned into {@code i64.const 7}:
   * well formed, but invalid (an i64 where the function returns an i32). wat2wasm itself would
   * refuse to write it.
   */
  private static byte[] returningI64(String wat) {
    byte[] wasm = Wat2Wasm.parse(wat);
    for (int i = 0; i + 2 < wasm.length; i++) {
      if (wasm[i] == 0x41 && wasm[i + 1] == 7 && wasm[i + 2] == 0x0b) {
        wasm[i] = 0x42;
        return wasm;
      }
    }
    throw new AssertionError("no i32.const 7 at the end of a body");
  }

  private static GuestCompiler compiler(CompileCache cache) {
    return GuestCompiler.builder().withCache(cache).build();
  }

  private List<Path> entries() throws IOException {
    try (Stream<Path> files = Files.walk(directory)) {
      return files.filter(p -> p.toString().endsWith(".entry")).sorted().toList();
    }
  }

  /** Runs the C client guest against a real loopback server and checks the bytes both ways. */
  private static boolean talksToALineServer(CompiledGuest guest, String line) throws Exception {
    try (LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
      ByteArrayOutputStream stdout = new ByteArrayOutputStream();
      WasiOptions wasi =
          WasiOptions.builder()
              .withArguments(List.of("client", "127.0.0.1", "" + server.port(), line))
              .withStdout(stdout)
              .withStderr(new ByteArrayOutputStream())
              .build();
      NetworkPolicy policy =
          NetworkPolicy.builder()
              .allow(NetworkUse.TCP_CONNECT, "127.0.0.1:" + server.port())
              .build();
      try (WasiSockets sockets =
          WasiSockets.builder().withWasiOptions(wasi).withPolicy(policy).build()) {
        Instance instance = guest.instanceBuilder(sockets).build();
        try {
          instance.export("_start").apply();
        } catch (WasiExitException e) {
          return false;
        }
      }
      return server.receivedLine().equals(line + "\n")
          && stdout.toString(StandardCharsets.UTF_8).equals("echo: " + line + "\n");
    }
  }
}
