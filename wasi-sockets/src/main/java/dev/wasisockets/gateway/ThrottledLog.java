package dev.wasisockets.gateway;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One kind of log line, written at most once per interval: what a hostile client does a thousand
 * times a second must not decide how much the gateway logs. The next line written says how many
 * were left out since the last. Thread-safe: every event loop of a gateway shares one.
 */
final class ThrottledLog {
  static final Duration INTERVAL = Duration.ofSeconds(10);

  private final Logger logger;
  private final Level level;
  private final long intervalNanos;
  private final LongSupplier nanoClock;
  private boolean written;
  private long lastWritten;
  private long leftOut;

  ThrottledLog(Logger logger, Level level) {
    this(logger, level, INTERVAL, System::nanoTime);
  }

  ThrottledLog(Logger logger, Level level, Duration interval, LongSupplier nanoClock) {
    this.logger = logger;
    this.level = level;
    this.intervalNanos = interval.toNanos();
    this.nanoClock = nanoClock;
  }

  /** Writes {@code message} unless a line was written less than the interval ago. */
  void log(Supplier<String> message) {
    String line;
    synchronized (this) {
      long now = nanoClock.getAsLong();
      if (written && now - lastWritten < intervalNanos) {
        leftOut++;
        return;
      }
      line =
          leftOut == 0
              ? message.get()
              : message.get() + " (and " + leftOut + " more like it since the last such line)";
      written = true;
      lastWritten = now;
      leftOut = 0;
    }
    logger.log(level, line);
  }
}
