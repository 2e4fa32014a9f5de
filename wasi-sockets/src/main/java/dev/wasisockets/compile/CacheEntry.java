package dev.wasisockets.compile;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * One compiled module as stored in a {@link CompileCache}: what Chicory's compiler produced (a jar
 * of classes), and whether a module loaded with it must still be validated.
 *
 * <p>A stored entry is a header, then the jar: {@code "WSCC"}, a format byte, a flags byte, the
 * jar's length (8 bytes) and its CRC-32C (4 bytes). A file that is short, long, of another format
 * or whose jar fails its checksum decodes to nothing, so a torn write or a flipped bit is
 * recompiled, never loaded: a jar missing classes would otherwise fail in the middle of a run.
 *
 * @param compiledJar Chicory's compiled classes ({@code MachineFactoryCompiler}'s cache value)
 * @param needsValidation true when some functions run in Chicory's interpreter (they were too large
 *     for a JVM method): the interpreter relies on hints that only validation writes into the
 *     module's instructions, so such a module is validated even when its compile is cached
 */
record CacheEntry(byte[] compiledJar, boolean needsValidation) {
  private static final byte[] MAGIC = "WSCC".getBytes(StandardCharsets.US_ASCII);
  private static final byte FORMAT = 1;
  private static final byte NEEDS_VALIDATION = 1;
  static final int HEADER_BYTES = MAGIC.length + 2 + Long.BYTES + Integer.BYTES;

  byte[] encode() {
    ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + compiledJar.length);
    out.put(MAGIC)
        .put(FORMAT)
        .put(needsValidation ? NEEDS_VALIDATION : 0)
        .putLong(compiledJar.length)
        .putInt(checksum(compiledJar))
        .put(compiledJar);
    return out.array();
  }

  /** The entry {@code stored} holds, or empty when it is not one whole, intact entry. */
  static Optional<CacheEntry> decode(byte[] stored) {
    if (stored.length < HEADER_BYTES
        || !Arrays.equals(stored, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      return Optional.empty();
    }
    ByteBuffer in = ByteBuffer.wrap(stored, MAGIC.length, stored.length - MAGIC.length);
    byte format = in.get();
    byte flags = in.get();
    long length = in.getLong();
    int checksum = in.getInt();
    if (format != FORMAT || (flags & ~NEEDS_VALIDATION) != 0 || length != in.remaining()) {
      return Optional.empty();
    }
    byte[] jar = Arrays.copyOfRange(stored, HEADER_BYTES, stored.length);
    if (checksum(jar) != checksum) {
      return Optional.empty();
    }
    return Optional.of(new CacheEntry(jar, flags == NEEDS_VALIDATION));
  }

  private static int checksum(byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes);
    return (int) crc.getValue();
  }
}
