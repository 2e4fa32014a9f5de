package dev.wasisockets.compile;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import dev.wasisockets.WasiSockets;
import java.util.function.Function;

/**
 * A parsed guest module and the machine it runs on: Chicory's compiled classes, or its interpreter.
 * Any number of instances may be built from one, on any threads.
 */
public final class CompiledGuest {
  /** Where the guest's code came from. */
  public enum Origin {
    /** Compiled to JVM bytecode in this process (and stored, if there is a cache). */
    COMPILED,
    /** Loaded from the compile cache: neither compiled nor validated again. */
    CACHE,
    /** Not compiled: Chicory's interpreter runs it. */
    INTERPRETER
  }

  private final WasmModule module;
  private final Function<Instance, Machine> machineFactory;
  private final Origin origin;

  CompiledGuest(WasmModule module, Function<Instance, Machine> machineFactory, Origin origin) {
    this.module = module;
    this.machineFactory = machineFactory;
    this.origin = origin;
  }

  public WasmModule module() {
    return module;
  }

  public Origin origin() {
    return origin;
  }

  /**
   * An instance builder for this guest with its machine set: add imports, memory and options, then
   * build. The machine must stay the one given here (a compiled machine only runs the module it was
   * compiled from, and an interpreted one needs the validated module).
   */
  public Instance.Builder instanceBuilder() {
    Instance.Builder builder = Instance.builder(module);
    if (machineFactory != null) {
      builder.withMachineFactory(machineFactory);
    }
    return builder;
  }

  /**
   * An instance builder for this guest on {@code sockets}: its imports ({@link
   * WasiSockets#toImportValues}), its guest memory ({@link WasiSockets#memoryFactory}, through
   * which sockets read and write in place), and no start: a WASI command's {@code _start} is the
   * caller's to call, since {@code proc_exit} ends it with a {@code WasiExitException}.
   *
   * @throws dev.wasisockets.abi.UnsupportedImportException naming every import {@code sockets}
   *     lacks
   */
  public Instance.Builder instanceBuilder(WasiSockets sockets) {
    return instanceBuilder()
        .withImportValues(sockets.toImportValues(module))
        .withMemoryFactory(WasiSockets.memoryFactory())
        .withStart(false);
  }

  @Override
  public String toString() {
    return "CompiledGuest[" + module.digest() + ", " + origin + "]";
  }
}
