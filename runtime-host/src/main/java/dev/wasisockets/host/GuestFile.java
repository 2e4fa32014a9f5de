package dev.wasisockets.host;

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
   * The bytes of {@code guest}.
   *
   * @throws IllegalArgumentException saying why they cannot be a guest, for a usage error
   */
  static byte[] read(Path guest) {
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
