package dev.wasisockets.core;

import java.io.ByteArrayInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;

/**
 * Whether the guest's standard input can be read without blocking, for {@code poll_oneoff}: POSIX
 * poll reports a descriptor readable when a read would not block, with data or at end of stream,
 * and a regular file always.
 *
 * <p>Stdin is the embedder's {@link InputStream} (Chicory reads it on {@code fd_read}), and a JDK
 * stream cannot be selected on, so this knows only what the stream tells: it is readable when
 * {@link InputStream#available()} is above 0, always when it is a regular file (a {@link
 * FileInputStream} that can seek) or a {@link ByteArrayInputStream} (a read of either never waits),
 * and at its end once a read has met the end. Otherwise it is not ready, and a wait that includes
 * it looks again every {@link #RECHECK_NANOS}. A pipe whose writer has closed looks like one with
 * nothing yet: the guest learns of its end only by reading.
 */
public final class StdinReadiness {
  /**
   * How often a wait looks at stdin again: short enough that typing feels immediate, long enough
   * that a guest idling on stdin costs about a hundred {@code available()} calls a second.
   */
  static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  /** {@link #check} answer: a read would block. */
  static final int NOT_READY = -1;

  private final InputStream stream;
  private final boolean neverWaits;
  private boolean ended;

  public StdinReadiness(InputStream stream) {
    this.stream = stream;
    this.neverWaits = stream instanceof ByteArrayInputStream || isRegularFile(stream);
  }

  /**
   * {@link #NOT_READY}, or the error for a readiness event: 0 when a read would not block, EIO when
   * the stream cannot even say (a read would fail at once, with EIO too).
   */
  int check() {
    if (ended || neverWaits) {
      return Errno.SUCCESS.code();
    }
    try {
      return stream.available() > 0 ? Errno.SUCCESS.code() : NOT_READY;
    } catch (IOException e) {
      return Errno.EIO.code();
    }
  }

  /**
   * Records what a successful {@code fd_read} of stdin returned: nothing into room for something is
   * the end of the stream, readable (with 0 bytes) from then on. Bytes after it (a terminal read
   * again after Ctrl-D) end that.
   */
  public void afterRead(int count, long capacity) {
    if (capacity > 0) {
      ended = count == 0;
    }
  }

  /** A file stream that can seek is a regular file (or /dev/null); pipes and terminals cannot. */
  private static boolean isRegularFile(InputStream stream) {
    if (!(stream instanceof FileInputStream file)) {
      return false;
    }
    try {
      file.getChannel().position();
      return true;
    } catch (IOException e) {
      return false; // ESPIPE
    }
  }
}
