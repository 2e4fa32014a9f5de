package dev.wasisockets.host;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * One guest's output stream under {@code up}: each line goes to a stream shared by every guest,
 * prefixed with the guest's name ({@code echo | ...}, as docker compose prints), in one write, so
 * that two guests' lines never mix within a line. A line is held until its newline comes; one
 * longer than {@link #MAX_LINE} bytes is written in pieces of that size, each as a line of its own,
 * so that a guest cannot make the host hold its output without a bound. Bytes pass as the guest
 * wrote them (no decoding). Thread-safe.
 */
final class PrefixedLines extends OutputStream {
  static final int MAX_LINE = 16 * 1024;

  private final PrintStream shared;
  private final byte[] prefix;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private boolean closed;

  /** Lines onto {@code shared}, each after {@code prefix} (e.g. "echo | "). */
  PrefixedLines(PrintStream shared, String prefix) {
    this.shared = shared;
    this.prefix = prefix.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public synchronized void write(int b) {
    if (closed) {
      return; // a guest's late output after up has stopped it: nowhere to go
    }
    if (b == '\n') {
      emit();
      return;
    }
    line.write(b);
    if (line.size() == MAX_LINE) {
      emit();
    }
  }

  @Override
  public synchronized void write(byte[] bytes, int offset, int length) {
    for (int i = offset; i < offset + length; i++) {
      write(bytes[i]);
    }
  }

  /** Nothing: a line is written when it is whole, whatever the guest flushes. */
  @Override
  public void flush() {}

  /** Writes what is left of the last line, ended with a newline. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    if (line.size() > 0) {
      emit();
    }
    closed = true;
  }

  private void emit() {
    byte[] whole = new byte[prefix.length + line.size() + 1];
    System.arraycopy(prefix, 0, whole, 0, prefix.length);
    byte[] text = line.toByteArray();
    System.arraycopy(text, 0, whole, prefix.length, text.length);
    whole[whole.length - 1] = '\n';
    line.reset();
    // PrintStream's write is synchronized on the stream: one call, one whole line.
    shared.write(whole, 0, whole.length);
    shared.flush();
  }
}
