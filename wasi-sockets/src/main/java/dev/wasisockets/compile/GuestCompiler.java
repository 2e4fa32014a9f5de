package dev.wasisockets.compile;

import com.dylibso.chicory.compiler.Cache;
import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import java.io.ByteArrayInputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * Makes guests ready to instantiate, paying for parsing, validation and compilation as seldom as
 * possible: a module whose compile is in the {@link CompileCache} is parsed without validation (it
 * was validated, byte for byte, before its compile was stored; a module that fails validation is
 * never stored) and its classes are loaded instead of compiled. One compiler also remembers the
 * last {@value #REMEMBERED} guests it made, so running the same bytes again in the same JVM (a test
 * class, a server that starts a guest per request) costs nothing at all.
 *
 * <pre>{@code
 * GuestCompiler compiler = GuestCompiler.builder().withCache(CompileCache.inUserCacheDirectory()).build();
 * CompiledGuest guest = compiler.compile(Files.readAllBytes(path));
 * Instance instance = guest.instanceBuilder(sockets).build();
 * }</pre>
 *
 * <p>Thread-safe. A module that is not valid WebAssembly fails with Chicory's {@link
 * ChicoryException} (its {@code MalformedException} or {@code InvalidException}).
 */
public final class GuestCompiler {
  static final int REMEMBERED = 8;
  private static final Logger LOG = System.getLogger(GuestCompiler.class.getName());

  /** How a guest's code runs. */
  public enum Mode {
    /** Compiled to JVM bytecode by Chicory's compiler (the JIT then compiles it further). */
    COMPILER,
    /** Chicory's interpreter: nothing to compile, slower to run. */
    INTERPRETER
  }

  private final Mode mode;
  private final CompileCache cache;
  // The last guests made, most recent last, found by their bytes: comparing them costs far less
  // than hashing them, which is what a first lookup in the cache has to do.
  private final List<Remembered> remembered = new ArrayList<>();

  private record Remembered(byte[] wasm, CompletableFuture<CompiledGuest> guest) {}

  private GuestCompiler(Builder builder) {
    this.mode = builder.mode;
    this.cache = builder.cache;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Mode mode() {
    return mode;
  }

  /** The cache this compiler reads and fills, if any. */
  public Optional<CompileCache> cache() {
    return Optional.ofNullable(cache);
  }

  /**
   * The guest {@code wasm} holds, ready to instantiate.
   *
   * @throws ChicoryException if {@code wasm} is not a valid module
   */
  public CompiledGuest compile(byte[] wasm) {
    byte[] copy = wasm.clone(); // the caller may reuse its array
    Remembered mine = new Remembered(copy, new CompletableFuture<>());
    synchronized (remembered) {
      for (Remembered known : remembered) {
        if (Arrays.equals(known.wasm(), copy)) {
          remembered.remove(known);
          remembered.add(known);
          return join(known.guest());
        }
      }
      remembered.add(mine);
      if (remembered.size() > REMEMBERED) {
        remembered.remove(0);
      }
    }
    try {
      mine.guest().complete(prepare(copy));
    } catch (RuntimeException | Error e) {
      synchronized (remembered) {
        remembered.remove(mine);
      }
      mine.guest().completeExceptionally(e);
      throw e;
    }
    return join(mine.guest());
  }

  private CompiledGuest prepare(byte[] wasm) {
    if (mode == Mode.INTERPRETER) {
      return new CompiledGuest(parse(wasm, true), null, CompiledGuest.Origin.INTERPRETER);
    }
    String sha256 = cache == null ? null : Sha256.hex(wasm);
    Optional<CacheEntry> cached = cache == null ? Optional.empty() : cache.get(sha256);
    if (cached.isPresent()) {
      CacheEntry entry = cached.get();
      // Interpreted functions need their bodies, validated; compiled ones need neither.
      WasmModule module =
          entry.needsValidation() ? parse(wasm, true) : parseWithoutFunctionBodies(wasm);
      Optional<CompiledGuest> loaded = load(module, entry);
      if (loaded.isPresent()) {
        return loaded.get();
      }
    }
    WasmModule module = parse(wasm, true);
    return new CompiledGuest(
        module, compileAndStore(module, sha256), CompiledGuest.Origin.COMPILED);
  }

  /** The guest from its cached compile, or empty if its classes do not load. */
  private Optional<CompiledGuest> load(WasmModule module, CacheEntry entry) {
    try {
      Function<Instance, Machine> machine =
          MachineFactoryCompiler.builder(module).withCache(new Preloaded(entry)).compile();
      return Optional.of(new CompiledGuest(module, machine, CompiledGuest.Origin.CACHE));
    } catch (RuntimeException | LinkageError e) {
      // Intact bytes that still do not load (a compiler that changed without a new version):
      // compiled anew, and the new compile replaces the entry.
      LOG.log(
          Level.WARNING,
          "compile cache: the cached compile of "
              + module.digest()
              + " does not load ("
              + e
              + "); compiling the guest anew");
      return Optional.empty();
    }
  }

  /**
   * Compiles every function to bytecode if it can; a function too large for a JVM method runs in
   * the interpreter instead, and then the module must be validated whenever it is loaded.
   */
  private Function<Instance, Machine> compileAndStore(WasmModule module, String sha256) {
    try {
      return MachineFactoryCompiler.builder(module)
          .withInterpreterFallback(InterpreterFallback.FAIL)
          .withCache(new Storing(sha256, false))
          .compile();
    } catch (ChicoryException tooLarge) {
      Function<Instance, Machine> machine =
          MachineFactoryCompiler.builder(module)
              .withInterpreterFallback(InterpreterFallback.SILENT)
              .withCache(new Storing(sha256, true))
              .compile();
      LOG.log(
          Level.INFO,
          "some functions of module "
              + module.digest()
              + " are too large for a JVM method and run in Chicory's interpreter");
      return machine;
    }
  }

  /**
   * The module without parsing its function bodies ({@link ModuleSkeleton}), nor its custom
   * sections (names are for the interpreter's stack traces); not validated.
   */
  private static WasmModule parseWithoutFunctionBodies(byte[] wasm) {
    byte[] skeleton = ModuleSkeleton.of(wasm).orElse(wasm);
    return Parser.builder()
        .withValidation(false)
        .withCustomParsers(Map.of())
        .build()
        .parse(() -> new ByteArrayInputStream(skeleton));
  }

  private static WasmModule parse(byte[] wasm, boolean validate) {
    return Parser.builder()
        .withValidation(validate)
        .build()
        .parse(() -> new ByteArrayInputStream(wasm));
  }

  private static CompiledGuest join(CompletableFuture<CompiledGuest> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw e;
    }
  }

  /** Hands Chicory's compiler the entry already read, so the file is read once. */
  private static final class Preloaded implements Cache {
    private final CacheEntry entry;

    Preloaded(CacheEntry entry) {
      this.entry = entry;
    }

    @Override
    public byte[] get(String key) {
      return entry.compiledJar();
    }

    @Override
    public void putIfAbsent(String key, byte[] data) {
      // Never called: get always answers.
    }
  }

  /** Takes what Chicory's compiler made and stores it under our key, with our header. */
  private final class Storing implements Cache {
    private final String sha256;
    private final boolean needsValidation;

    Storing(String sha256, boolean needsValidation) {
      this.sha256 = sha256;
      this.needsValidation = needsValidation;
    }

    @Override
    public byte[] get(String key) {
      return null; // looked up already
    }

    @Override
    public void putIfAbsent(String key, byte[] data) {
      if (cache != null) {
        cache.put(sha256, new CacheEntry(data, needsValidation));
      }
    }
  }

  /** Builds a {@link GuestCompiler}; by default compiler mode, no cache. */
  public static final class Builder {
    private Mode mode = Mode.COMPILER;
    private CompileCache cache;

    private Builder() {}

    public Builder withMode(Mode mode) {
      this.mode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /** Reads compiled guests from {@code cache} and stores new compiles there. */
    public Builder withCache(CompileCache cache) {
      this.cache = Objects.requireNonNull(cache, "cache");
      return this;
    }

    /** Compiles in memory only (the default). */
    public Builder withoutCache() {
      this.cache = null;
      return this;
    }

    public GuestCompiler build() {
      return new GuestCompiler(this);
    }
  }
}
