package dev.wasisockets.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The OS's accounting as the server rows read it from /proc. */
class ProcessAccountingTest {
  @Test
  void aCommandNameWithSpacesAndParenthesesDoesNotShiftTheFields() {
    // proc(5): pid (comm) state ppid ... utime(14) stime(15) cutime(16) cstime(17)
    String stat = "42 (a) b (c)) S 1 42 42 0 -1 4194304 0 0 0 0 100 50 30 20 20 0 1 0 0 0";
    assertThat(ProcessAccounting.childrenCpuSeconds(stat))
        .isEqualTo(50 / ProcessAccounting.TICKS_PER_SECOND);
  }

  @Test
  void readsARunningProcess() {
    long me = ProcessHandle.current().pid();
    assertThat(ProcessAccounting.cpuSeconds(me)).isPositive();
    assertThat(ProcessAccounting.peakRssKib(me)).isPositive();
  }
}
