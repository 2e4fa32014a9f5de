package dev.wasisockets.wasmnet.client;

import java.nio.ByteBuffer;
import java.security.SecureRandom;

/**
 * Masking keys for the frames a client sends. RFC 6455 §5.3 wants each frame's key fresh and
 * unpredictable, from a strong source of entropy: the bytes a guest sends are its own choice, and
 * the mask is what keeps them from reading as something else to a proxy on the way (§10.3). So the
 * keys come from {@link SecureRandom}, drawn a batch at a time, which costs one call per {@value
 * #BATCH} frames.
 */
final class MaskingKeys {
  private static final int BATCH = 256;

  private final SecureRandom random = new SecureRandom();
  private final ByteBuffer keys = ByteBuffer.allocate(BATCH * Integer.BYTES).position(BATCH * 4);

  /** The next key; from any thread. */
  synchronized int next() {
    if (!keys.hasRemaining()) {
      random.nextBytes(keys.array());
      keys.clear();
    }
    return keys.getInt();
  }
}
