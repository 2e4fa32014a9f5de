package dev.wasisockets.compile;

import java.io.ByteArrayOutputStream;
import java.util.Optional;

/**
 * A module's bytes with every function body replaced by {@code unreachable}: everything an instance
 * needs (types, imports, exports, tables, memories, globals, data) without the code, which is most
 * of a large module and all of its parsing time.
 *
 * <p>Only for a module whose compiled classes are loaded from the cache and none of whose functions
 * runs in the interpreter: compiled code never reads the module's function bodies (only Chicory's
 * interpreter does), so the bodies need not be parsed at all. Should one still be interpreted, it
 * traps at once instead of doing the wrong thing.
 */
final class ModuleSkeleton {
  private static final int HEADER_BYTES = 8; // "\0asm" and the version
  private static final int FUNCTION_SECTION = 3;
  private static final int CODE_SECTION = 10;
  // A body: its size (3), no locals, unreachable, end.
  private static final byte[] UNREACHABLE_BODY = {3, 0, 0x00, 0x0b};

  private ModuleSkeleton() {}

  /** The skeleton of {@code wasm}, or empty if its sections do not read as they should. */
  static Optional<byte[]> of(byte[] wasm) {
    if (wasm.length < HEADER_BYTES) {
      return Optional.empty();
    }
    ByteArrayOutputStream skeleton = new ByteArrayOutputStream(wasm.length / 4);
    skeleton.write(wasm, 0, HEADER_BYTES);
    long functions = -1;
    int[] at = {HEADER_BYTES};
    while (at[0] < wasm.length) {
      int start = at[0];
      int id = wasm[at[0]++] & 0xff;
      long size = readUnsignedLeb128(wasm, at);
      if (size < 0 || size > wasm.length - at[0]) {
        return Optional.empty();
      }
      int payload = at[0];
      at[0] += (int) size;
      if (id == FUNCTION_SECTION) {
        functions = readUnsignedLeb128(wasm, new int[] {payload});
      }
      if (id == CODE_SECTION) {
        if (functions < 0) {
          return Optional.empty();
        }
        writeCodeSection(skeleton, functions);
      } else {
        skeleton.write(wasm, start, at[0] - start);
      }
    }
    return Optional.of(skeleton.toByteArray());
  }

  private static void writeCodeSection(ByteArrayOutputStream out, long functions) {
    ByteArrayOutputStream payload = new ByteArrayOutputStream();
    writeUnsignedLeb128(payload, functions);
    for (long i = 0; i < functions; i++) {
      payload.writeBytes(UNREACHABLE_BODY);
    }
    out.write(CODE_SECTION);
    writeUnsignedLeb128(out, payload.size());
    out.writeBytes(payload.toByteArray());
  }

  /** A u32 in LEB128 at {@code at[0]}, which moves past it; -1 if it is not one. */
  private static long readUnsignedLeb128(byte[] bytes, int[] at) {
    long value = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (at[0] >= bytes.length) {
        return -1;
      }
      int b = bytes[at[0]++] & 0xff;
      value |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return value <= 0xffff_ffffL ? value : -1;
      }
    }
    return -1;
  }

  private static void writeUnsignedLeb128(ByteArrayOutputStream out, long value) {
    do {
      int b = (int) (value & 0x7f);
      value >>>= 7;
      out.write(value == 0 ? b : b | 0x80);
    } while (value != 0);
  }
}
