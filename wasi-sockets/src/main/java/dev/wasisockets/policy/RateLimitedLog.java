package dev.wasisockets.policy;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.text.MessageFormat;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Lines that a guest or a client can cause (a denial, a failed call, a refused connection), at most
 * a budget of lines per interval, so that whoever is on the other side cannot decide how much the
 * host logs. A line past the budget is counted, not written; the first line written after it is
 * preceded by one saying how many were left out and over how long. An interval opens with the first
 * line written in it, so a line after a quiet stretch is always written. Time comes from an
 * injectable nanosecond clock so that tests need not sleep. Thread-safe: one log may serve many
 * guests (a policy shared by a gateway's sessions) or event loops.
 */
public final class RateLimitedLog {
  /** The default budget: lines each second. */
  public static final int LINES_PER_SECOND = 10;

  private static final Duration SECOND = Duration.ofSeconds(1);

  private final Logger logger;
  private final String what;
  private final int lines;
  private final long intervalNanos;
  private final String budget;
  private final LongSupplier nanoClock;
  private long windowStart;
  private int writtenInWindow;
  private long leftOut;
  private long firstLeftOut;

  /**
   * Lines to {@code logger}, {@link #LINES_PER_SECOND} a second; {@code what} names them in the
   * count of those left out ("denials").
   */
  public RateLimitedLog(Logger logger, String what) {
    this(logger, what, System::nanoTime);
  }

  /** As above, with the clock the budget is measured by. */
  public RateLimitedLog(Logger logger, String what, LongSupplier nanoClock) {
    this(logger, what, LINES_PER_SECOND, SECOND, nanoClock);
  }

  /** Lines to {@code logger}, at most {@code lines} per {@code interval} of {@code nanoClock}. */
  public RateLimitedLog(
      Logger logger, String what, int lines, Duration interval, LongSupplier nanoClock) {
    if (lines < 1) {
      throw new IllegalArgumentException("a budget needs at least one line, got " + lines);
    }
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("the interval must be positive, got " + interval);
    }
    this.logger = logger;
    this.what = what;
    this.lines = lines;
    this.intervalNanos = interval.toNanos();
    this.budget = describe(lines, interval);
    this.nanoClock = nanoClock;
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

  /**
   * Logs the line {@code message} makes, as it is (not a format); the line is only made if it is
   * written, so a line left out costs a flood nothing but the count.
   */
  public void log(Level level, Supplier<String> message) {
    if (admit(level)) {
      logger.log(level, message.get());
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
      // Nothing written yet: the first interval opens now, not when the log was made.
      if (writtenInWindow == 0 || now - windowStart >= intervalNanos) {
        windowStart = now;
        writtenInWindow = 0;
      }
      if (writtenInWindow >= lines) {
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
          reportLeftOut
              + " more "
              + what
              + " not logged in the last "
              + String.format(Locale.ROOT, "%.1f", leftOutNanos / 1e9)
              + " s (at most "
              + budget
              + ")");
    }
    return true;
  }

  /** "10 lines a second", "1 line per 10 s", "5 lines per 500 ms". */
  private static String describe(int lines, Duration interval) {
    String count = lines == 1 ? "1 line" : lines + " lines";
    if (interval.equals(SECOND)) {
      return count + " a second";
    }
    return interval.toMillis() % 1000 == 0
        ? count + " per " + interval.toSeconds() + " s"
        : count + " per " + interval.toMillis() + " ms";
  }
}
