package dev.wasisockets.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasisockets.LogCapture;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimitedLogTest {
  private static final String LOGGER = "dev.wasisockets.policy.RateLimitedLogTest";
  private static final long MILLISECOND = 1_000_000L;
  private static final long SECOND = 1_000_000_000L;

  private final AtomicLong now = new AtomicLong();

  @Test
  void aSecondWritesAtMostItsBudgetAndTheNextLineSaysHowManyWereLeftOut() {
    now.set(5 * SECOND);
    RateLimitedLog log = new RateLimitedLog(System.getLogger(LOGGER), "denials", now::get);
    try (LogCapture capture = new LogCapture(LOGGER)) {
      for (int i = 0; i < 1000; i++) {
        log.log(Level.WARNING, "denied {0}", i);
      }
      assertThat(capture.lines()).hasSize(RateLimitedLog.LINES_PER_SECOND);
      assertThat(capture.lines().get(9)).isEqualTo("denied 9");

      now.addAndGet(SECOND - 1); // still the same second
      log.log(Level.WARNING, "denied {0}", "late");
      assertThat(capture.lines()).hasSize(RateLimitedLog.LINES_PER_SECOND);

      now.addAndGet(1);
      log.log(Level.WARNING, "denied {0}", "next second");
      assertThat(capture.lines())
          .hasSize(RateLimitedLog.LINES_PER_SECOND + 2)
          .endsWith(
              "991 more denials not logged in the last 1.0 s (at most 10 lines a second)",
              "denied next second");

      // Nothing left out since: no count.
      log.log(Level.WARNING, "denied {0}", "again");
      assertThat(capture.lines()).last().isEqualTo("denied again");
    }
  }

  @Test
  void aSecondOpensWithItsFirstLineNotWithTheLog() {
    RateLimitedLog log = new RateLimitedLog(System.getLogger(LOGGER), "lines", now::get);
    try (LogCapture capture = new LogCapture(LOGGER)) {
      now.addAndGet(900 * MILLISECOND); // the log has been idle most of a second
      for (int i = 0; i < 10; i++) {
        log.log(Level.WARNING, "line {0}", i);
      }
      now.addAndGet(100 * MILLISECOND); // a second since the log was made, 0.1 s since the lines
      log.log(Level.WARNING, "line {0}", "late");

      assertThat(capture.lines()).hasSize(10).last().isEqualTo("line 9");
    }
  }

  @Test
  void aBudgetOfOneLinePerTenSecondsWritesOneAndCountsTheRestBeforeTheNext() {
    RateLimitedLog log =
        new RateLimitedLog(
            System.getLogger(LOGGER), "refusals", 1, Duration.ofSeconds(10), now::get);
    try (LogCapture capture = new LogCapture(LOGGER)) {
      log.log(Level.WARNING, () -> "refused 1");
      for (int i = 2; i <= 1000; i++) {
        int n = i;
        now.addAndGet(MILLISECOND); // 1 ms apart: 999 ms in all, well inside the interval
        log.log(Level.WARNING, () -> "refused " + n);
      }
      assertThat(capture.lines()).containsExactly("refused 1");

      now.addAndGet(10 * SECOND);
      log.log(Level.WARNING, () -> "refused 1001");

      assertThat(capture.lines())
          .containsExactly(
              "refused 1",
              "999 more refusals not logged in the last 11.0 s (at most 1 line per 10 s)",
              "refused 1001");
    }
  }

  @Test
  void aLineAfterAQuietIntervalSaysNothingWasLeftOut() {
    RateLimitedLog log =
        new RateLimitedLog(
            System.getLogger(LOGGER), "refusals", 1, Duration.ofSeconds(10), now::get);
    try (LogCapture capture = new LogCapture(LOGGER)) {
      log.log(Level.INFO, () -> "first");
      now.addAndGet(11 * SECOND);
      log.log(Level.INFO, () -> "second");

      assertThat(capture.lines()).containsExactly("first", "second");
    }
  }

  @Test
  void aMessageIsMadeOnlyWhenItIsWritten() {
    RateLimitedLog log =
        new RateLimitedLog(System.getLogger(LOGGER), "lines", 2, Duration.ofSeconds(1), now::get);
    AtomicInteger made = new AtomicInteger();
    try (LogCapture capture = new LogCapture(LOGGER)) {
      for (int i = 0; i < 100; i++) {
        log.log(Level.TRACE, () -> "not loggable " + made.incrementAndGet());
        log.log(Level.WARNING, () -> "written " + made.incrementAndGet());
      }

      assertThat(capture.lines()).containsExactly("written 1", "written 2");
      assertThat(made).hasValue(2);
    }
  }

  @Test
  void aMadeMessageIsWrittenAsItIsNotAsAFormat() {
    RateLimitedLog log = new RateLimitedLog(System.getLogger(LOGGER), "lines", now::get);
    try (LogCapture capture = new LogCapture(LOGGER)) {
      log.log(Level.WARNING, () -> "from {0} at 'x'");

      assertThat(capture.lines()).containsExactly("from {0} at 'x'");
    }
  }

  @Test
  void aLineTheLoggerWouldDropUsesNoBudget() {
    RateLimitedLog log = new RateLimitedLog(System.getLogger(LOGGER), "lines", now::get);
    try (LogCapture capture = new LogCapture(LOGGER)) {
      for (int i = 0; i < 100; i++) {
        log.log(Level.TRACE, "not loggable {0}", i);
      }
      log.log(Level.WARNING, "written {0}", 1);

      assertThat(capture.lines()).containsExactly("written 1");
    }
  }

  @Test
  void aBudgetHasALineAndAnIntervalHasLength() {
    assertThatThrownBy(
            () ->
                new RateLimitedLog(
                    System.getLogger(LOGGER), "lines", 0, Duration.ofSeconds(1), now::get))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> new RateLimitedLog(System.getLogger(LOGGER), "lines", 1, Duration.ZERO, now::get))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
