package dev.wasisockets.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.LogCapture;
import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimitedLogTest {
  private static final String LOGGER = "dev.wasisockets.policy.RateLimitedLogTest";

  @Test
  void aSecondWritesAtMostItsBudgetAndTheNextLineSaysHowManyWereLeftOut() {
    AtomicLong now = new AtomicLong(5_000_000_000L);
    RateLimitedLog log = new RateLimitedLog(System.getLogger(LOGGER), "denials", now::get);
    try (LogCapture capture = new LogCapture(LOGGER)) {
      for (int i = 0; i < 1000; i++) {
        log.log(Level.WARNING, "denied {0}", i);
      }
      assertThat(capture.lines()).hasSize(RateLimitedLog.LINES_PER_SECOND);
      assertThat(capture.lines().get(9)).isEqualTo("denied 9");

      now.addAndGet(999_999_999L); // still the same second
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
  void aLineTheLoggerWouldDropUsesNoBudget() {
    AtomicLong now = new AtomicLong();
    RateLimitedLog log = new RateLimitedLog(System.getLogger(LOGGER), "lines", now::get);
    try (LogCapture capture = new LogCapture(LOGGER)) {
      for (int i = 0; i < 100; i++) {
        log.log(Level.TRACE, "not loggable {0}", i);
      }
      log.log(Level.WARNING, "written {0}", 1);

      assertThat(capture.lines()).containsExactly("written 1");
    }
  }
}
