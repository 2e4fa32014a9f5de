package dev.wasisockets.abi;

import static dev.wasisockets.abi.RawAbiGuest.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.policy.Limits;
import dev.wasisockets.policy.NetworkPolicy;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A real transfer under a bandwidth limit takes about as long as the limit says: 600 kB at 200
 * kB/s, with one second of burst, cannot take much less than two seconds. The bounds are generous
 * (this is a 2-core machine shared with other work), and every byte must arrive.
 */
class BandwidthThrottleIT {
  private static final int RATE = 200_000;
  private static final int CHUNK = 60_000;
  private static final int CHUNKS = 10;

  @Test
  void aBlockingSenderIsHeldToTheConfiguredRate() throws Exception {
    NetworkPolicy.Builder grants =
        NetworkPolicy.builder().limits(Limits.NONE.withBytesPerSecond(RATE));
    try (RawAbiGuest guest = new RawAbiGuest(false, RawAbiGuest.MODULE, grants)) {
      int fd = guest.openSocket();
      try (Socket peer = guest.connectToPeer(fd)) {
        CompletableFuture<Integer> received =
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return peer.getInputStream().readAllBytes().length;
                  } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                });
        guest.iovec(IOVEC, DATA, CHUNK);

        long start = System.nanoTime();
        for (int i = 0; i < CHUNKS; i++) {
          assertThat(guest.call("sock_send", fd, IOVEC, 1, 0, COUNT_OUT)).isZero();
          assertThat(guest.memory().readInt(COUNT_OUT)).isEqualTo(CHUNK);
        }
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(guest.call("sock_shutdown", fd, 2)).isZero();

        assertThat(received.get(30, TimeUnit.SECONDS)).isEqualTo(CHUNK * CHUNKS);
        assertThat(guest.statistics().bytesSent()).isEqualTo(CHUNK * CHUNKS);
        // (600 kB - 200 kB of burst) / 200 kB/s = 2 s; a little less for clock granularity.
        assertThat(elapsedMillis).isBetween(1_800L, 20_000L);
        assertThat(guest.statistics().throttledNanos()).isGreaterThan(1_000_000_000L);
      }
    }
  }
}
