package dev.wasisockets.junit;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * One of the guest's output streams, kept for the test: the first {@value #MAX_BYTES} bytes, and a
 * count of what came after (a guest that prints without end must not fill the test JVM's heap).
 * Written by the guest's thread, read by the test's.
 */
final class CapturedOutput extends OutputStream {
  static final int MAX_BYTES = 4 << 20;

  private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
  private long dropped;

  @Override
  public synchronized void write(int b) {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public synchronized void write(byte[] bytes, int offset, int length) {
    int room = MAX_BYTES - kept.size();
    int taken = Math.min(room, length);
    kept.write(bytes, offset, taken);
    dropped += length - taken;
  }

  /** Everything kept, as UTF-8 text, with a note of what was dropped past the bound. */
  synchronized String text() {
    String text = kept.toString(StandardCharsets.UTF_8);
    return dropped == 0 ? text : text + "\n[" + dropped + " more bytes not kept]";
  }

  /** The last {@code chars} characters of {@link #text()}, for a failure message. */
  String tail(int chars) {
    String text = text();
    return text.length() <= chars
        ? text
        : "["
            + (text.length() - chars)
            + " characters before]..."
            + text.substring(text.length() - chars);
  }
}
