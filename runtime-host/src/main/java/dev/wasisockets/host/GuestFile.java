package dev.wasisockets.host;

import com.dylibso.chicory.wasm.ChicoryException;
import dev.wasisockets.compile.CompiledGuest;
import dev.wasisockets.compile.GuestCompiler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/** Reads a guest module from the command line's path, refusing what is not WebAssembly. */
final class GuestFile {
  private static final byte[] WASM_MAGIC = {0, 'a', 's', 'm'};

  private GuestFile() {}

  /**
   * {@code guest}, read and compiled (or loaded from the cache) by {@code compiler}.
   *
   * @throws IllegalArgumentException saying why it cannot be a guest, for a usage error
   */
  static CompiledGuest compile(Path guest, GuestCompiler compiler) {
    byte[] wasm = read(guest);
    try {
      return compiler.compile(wasm);
    } catch (ChicoryException e) {
      throw new IllegalArgumentException(
          guest + " is not a valid WebAssembly module: " + e.getMessage(), e);
    }
  }

  /**
   * The bytes of {@code guest}.
   *
   * @throws IllegalArgumentException saying why they cannot be a guest, for a usage error
   */
  private static byte[] read(Path guest) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(guest);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("no such file: " + guest);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + guest + ": " + e.getMessage());
    }
    if (bytes.length < 4 || !Arrays.equals(bytes, 0, 4, WASM_MAGIC, 0, 4)) {
      throw new IllegalArgumentException(guest + " is not a WebAssembly module (no \\0asm header)");
    }
    return bytes;
  }
}
