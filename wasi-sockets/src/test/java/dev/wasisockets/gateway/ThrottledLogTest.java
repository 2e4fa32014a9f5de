package dev.wasisockets.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.LogCapture;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ThrottledLogTest {
  private static final String LOGGER = "dev.wasisockets.gateway.ThrottledLogTest";

  private final AtomicLong now = new AtomicLong();
  private final ThrottledLog log =
      new ThrottledLog(System.getLogger(LOGGER), Level.WARNING, Duration.ofSeconds(10), now::get);

  @Test
  void oneLinePerIntervalAndTheNextCountsWhatWasLeftOut() {
    try (LogCapture capture = new LogCapture(LOGGER)) {
      log.log(() -> "refused 1");
      for (int i = 2; i <= 1000; i++) {
        int n = i;
        now.addAndGet(1_000_000); // 1 ms apart: 999 ms in all, well inside the interval
        log.log(() -> "refused " + n);
      }
      assertThat(capture.lines()).containsExactly("refused 1");

      now.addAndGet(Duration.ofSeconds(10).toNanos());
      log.log(() -> "refused 1001");

      assertThat(capture.lines())
          .containsExactly(
              "refused 1", "refused 1001 (and 999 more like it since the last such line)");
    }
  }

  @Test
  void aLineAfterAQuietIntervalSaysNothingWasLeftOut() {
    try (LogCapture capture = new LogCapture(LOGGER)) {
      log.log(() -> "first");
      now.addAndGet(Duration.ofSeconds(11).toNanos());
      log.log(() -> "second");

      assertThat(capture.lines()).containsExactly("first", "second");
    }
  }
}
