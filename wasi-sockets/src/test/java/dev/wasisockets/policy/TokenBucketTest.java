package dev.wasisockets.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketTest {
  private final AtomicLong now = new AtomicLong();
  private final TokenBucket bucket = new TokenBucket(1000, now::get);

  @Test
  void startsWithOneSecondOfBurst() {
    assertThat(bucket.available(5000)).isEqualTo(1000);
    assertThat(bucket.available(10)).isEqualTo(10);
  }

  @Test
  void refillsAtTheRateAndNeverBeyondOneSecondsWorth() {
    bucket.consume(1000);
    assertThat(bucket.available(1000)).isZero();

    now.addAndGet(250_000_000); // a quarter second
    assertThat(bucket.available(1000)).isEqualTo(250);

    now.addAndGet(10_000_000_000L);
    assertThat(bucket.available(5000)).isEqualTo(1000);
  }

  @Test
  void saysHowLongUntilTheNextByte() {
    bucket.consume(1000);
    assertThat(bucket.nanosUntilAvailable()).isEqualTo(1_000_000); // 1 ms for 1 byte at 1000/s

    now.addAndGet(1_000_000);
    assertThat(bucket.nanosUntilAvailable()).isZero();
  }

  @Test
  void debtIsPaidOffBeforeMoreMayGo() {
    bucket.consume(3000); // a datagram bigger than the burst
    now.addAndGet(1_000_000_000);
    assertThat(bucket.available(100)).isZero();

    now.addAndGet(1_001_000_000);
    assertThat(bucket.available(100)).isEqualTo(1);
  }
}
