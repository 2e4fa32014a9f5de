package probe;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.wasisockets.WasiSockets;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs a WASI guest with sockets that may connect to one address: {@code Probe guest.wasm host port
 * message}. Exits with the guest's code, or 3 if the library was not loaded as a named module.
 */
public final class Probe {
  public static void main(String[] args) throws Exception {
    Module library = WasiSockets.class.getModule();
    if (!library.isNamed()) {
      System.err.println("wasi-sockets is not on the module path");
      System.exit(3);
    }
    System.err.println("library module: " + library.getName());
    WasmModule module = Parser.parse(Path.of(args[0]));
    NetworkPolicy policy =
        NetworkPolicy.builder().allow(NetworkUse.TCP_CONNECT, args[1] + ":" + args[2]).build();
    WasiOptions wasi =
        WasiOptions.builder()
            .withArguments(List.of("guest", args[1], args[2], args[3]))
            .withStdout(System.out)
            .withStderr(System.err)
            .build();
    int exitCode = 0;
    try (WasiSockets sockets =
        WasiSockets.builder().withWasiOptions(wasi).withPolicy(policy).build()) {
      Instance instance =
          Instance.builder(module)
              .withImportValues(sockets.toImportValues(module))
              .withMemoryFactory(WasiSockets.memoryFactory())
              .withStart(false)
              .build();
      instance.export("_start").apply();
    } catch (WasiExitException e) {
      exitCode = e.exitCode();
    }
    System.out.flush();
    System.exit(exitCode);
  }
}
