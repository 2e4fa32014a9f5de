package dev.wasisockets.host;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.WasmModule;
import dev.wasisockets.PreopenedSocket;
import dev.wasisockets.WasiSockets;
import dev.wasisockets.abi.UnsupportedImportException;
import dev.wasisockets.address.IpLiteral;
import dev.wasisockets.compile.CompiledGuest;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.function.IntSupplier;

/**
 * Runs one WASI command guest to its end, and says how it ended as the process's exit code: the
 * guest's own, or {@link Launcher#EXIT_TRAP} after a trap.
 */
final class GuestRunner {
  private final CompiledGuest guest;
  private final PrintStream stderr;

  private GuestRunner(CompiledGuest guest, PrintStream stderr) {
    this.guest = guest;
    this.stderr = stderr;
  }

  /**
   * A runner for {@code guest}, read from {@code file}; what it says goes to {@code stderr}.
   *
   * @throws IllegalArgumentException if the guest exports no {@code _start}, for a usage error
   */
  static GuestRunner forCommand(Path file, CompiledGuest guest, PrintStream stderr) {
    if (!exportsStart(guest.module())) {
      throw new IllegalArgumentException(file + " has no _start export: it is not a WASI command");
    }
    return new GuestRunner(guest, stderr);
  }

  /**
   * Instantiates the guest on {@code sockets} and calls {@code _start}: 0 when it returns, the code
   * of its {@code proc_exit}, or {@link Launcher#EXIT_TRAP} when it traps (one line on stderr).
   * First each preopened listener's fd and address go to stderr, since a port-0 listener's port is
   * the user's to learn.
   *
   * @throws UnsupportedImportException before the guest starts, naming every import it lacks
   */
  int run(WasiSockets sockets) {
    return prepare(sockets).getAsInt();
  }

  /**
   * What {@link #run} does, in two steps: the imports are resolved now, so that a guest this host
   * cannot run is refused before any guest starts ({@code up}); the guest runs when the result is
   * called, on the caller's thread, and gives its exit code as {@link #run} does.
   *
   * @throws UnsupportedImportException naming every import the guest lacks
   */
  IntSupplier prepare(WasiSockets sockets) {
    Instance.Builder instance = guest.instanceBuilder(sockets);
    return () -> start(sockets, instance);
  }

  private int start(WasiSockets sockets, Instance.Builder instance) {
    for (PreopenedSocket socket : sockets.preopenedSockets()) {
      stderr.println(
          "wasi-sockets: fd "
              + socket.fd()
              + " listens on "
              + IpLiteral.format(socket.localAddress()));
    }
    try {
      instance.build().export("_start").apply();
      return 0;
    } catch (WasiExitException e) {
      return e.exitCode();
    } catch (ChicoryException e) {
      stderr.println("wasi-sockets: guest trapped: " + e.getMessage());
      return Launcher.EXIT_TRAP;
    } catch (StackOverflowError e) {
      stderr.println("wasi-sockets: guest trapped: call stack exhausted");
      return Launcher.EXIT_TRAP;
    }
  }

  private static boolean exportsStart(WasmModule module) {
    var exports = module.exportSection();
    for (int i = 0; i < exports.exportCount(); i++) {
      if (exports.getExport(i).name().equals("_start")) {
        return true;
      }
    }
    return false;
  }
}
