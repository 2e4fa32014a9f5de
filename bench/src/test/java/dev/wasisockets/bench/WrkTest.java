package dev.wasisockets.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** wrk's report as the HTTP rows read it: reports of real runs, with the shell's line after. */
class WrkTest {
  private static final String SHELL_LINE =
      "shell stat: 8866 (sh) S 8852 8852 25169 0 -1 4194304 91 671 0 0 0 0 7 19 20 0 1 0 1249523"
          + " 2654208 356 18446744073709551615 94633629696000 94633629772729 140729443966400 0 0"
          + " 0 0 0 65538 1 0 0 17 1 0 0 0 0 0\n";

  @Test
  void readsRequestsDurationAndCpu() {
    String report =
        """
        Running 1s test @ http://127.0.0.1:18555/
          1 threads and 10 connections
          Thread Stats   Avg      Stdev     Max   +/- Stdev
            Latency   327.18us  668.80us   6.58ms   93.16%
            Req/Sec    54.74k     6.29k   63.43k    70.00%
          54663 requests in 1.01s, 5.58MB read
        Requests/sec:  54380.22
        Transfer/sec:      5.55MB
        """;
    Wrk.Result result = Wrk.parse(report + SHELL_LINE);
    assertThat(result.requests()).isEqualTo(54663);
    assertThat(result.seconds()).isEqualTo(1.01);
    assertThat(result.errors()).isEmpty();
    // cutime 7 and cstime 19 ticks: the children the shell waited for, wrk
    assertThat(result.cpuSeconds()).isEqualTo(26 / ProcessAccounting.TICKS_PER_SECOND);
  }

  @Test
  void readsErrorsAndDurationsInMinutes() {
    String report =
        """
        Running 1m test @ http://127.0.0.1:18555/nothing
          1 threads and 100 connections
          36657 requests in 1.00m, 6.15MB read
          Socket errors: connect 0, read 3, write 0, timeout 12
          Non-2xx or 3xx responses: 36657
        Requests/sec:    610.95
        """;
    Wrk.Result result = Wrk.parse(report + SHELL_LINE);
    assertThat(result.seconds()).isEqualTo(60.0);
    assertThat(result.errors())
        .isEqualTo("socket errors: connect 0, read 3, write 0, timeout 12; 36657 answers not 2xx");
  }
}
