package dev.wasisockets.policy;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.text.MessageFormat;
import java.util.function.LongSupplier;

/**
 * Lines a guest can cause (a denial, a failed call), at most {@link #LINES_PER_SECOND} a second, so
 * that a guest cannot decide how much the host logs. A line past the budget is counted, not
 * written; the first line written after it is preceded by one saying how many were left out and
 * over how long. Time comes from an injectable nanosecond clock so that tests need not sleep.
 * Thread-safe: one log may serve many guests (a policy shared by a gateway's sessions).
 */
public final class RateLimitedLog {
  /** How many lines each second may write. */
  public static final int LINES_PER_SECOND = 10;

  private static final long SECOND = 1_000_000_000L;

  private final Logger logger;
  private final String what;
  private final LongSupplier nanoClock;
  private long windowStart;
  private int writtenInWindow;
  private long leftOut;
  private long firstLeftOut;

  /**
   * Lines to {@code logger}; {@code what} names them in the count of those left out ("denials").
   */
  public RateLimitedLog(Logger logger, String what) {
    this(logger, what, System::nanoTime);
  }

  /** As above, with the clock the budget is measured by. */
  public RateLimitedLog(Logger logger, String what, LongSupplier nanoClock) {
    this.logger = logger;
    this.what = what;
    this.nanoClock = nanoClock;
    this.windowStart = nanoClock.getAsLong();
  }

  /**
   * Logs {@code format} ({@link MessageFormat}, as {@link Logger#log(Level, String, Object...)}).
   */
  public void log(Level level, String format, Object... parameters) {
    if (admit(level)) {
      logger.log(level, format, parameters);
    }
  }

  /** Logs {@code message} with {@code thrown} and its stack. */
  public void log(Level level, String message, Throwable thrown) {
    if (admit(level)) {
      logger.log(level, message, thrown);
    }
  }

  /** Whether a line at {@code level} may be written now; reports the lines left out first. */
  private boolean admit(Level level) {
    if (!logger.isLoggable(level)) {
      return false;
    }
    long reportLeftOut;
    long leftOutNanos;
    synchronized (this) {
      long now = nanoClock.getAsLong();
      if (now - windowStart >= SECOND) {
        windowStart = now;
        writtenInWindow = 0;
      }
      if (writtenInWindow >= LINES_PER_SECOND) {
        if (leftOut++ == 0) {
          firstLeftOut = now;
        }
        return false;
      }
      writtenInWindow++;
      reportLeftOut = leftOut;
      leftOutNanos = now - firstLeftOut;
      leftOut = 0;
    }
    if (reportLeftOut > 0) {
      logger.log(
          level,
          "{0} more {1} not logged in the last {2} s (at most {3} lines a second)",
          Long.toString(reportLeftOut),
          what,
          String.format(java.util.Locale.ROOT, "%.1f", leftOutNanos / 1e9),
          LINES_PER_SECOND);
    }
    return true;
  }
}
