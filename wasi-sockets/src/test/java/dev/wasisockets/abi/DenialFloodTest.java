package dev.wasisockets.abi;

import static dev.wasisockets.abi.RawAbiGuest.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.LogCapture;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.policy.RateLimitedLog;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A guest that asks for what it may not have, again and again, does not decide the host's log. */
class DenialFloodTest {
  private static final int CONNECTS = 3000;

  @Test
  @Timeout(120)
  void aGuestFloodingDeniedConnectsGetsEaccesEachTimeAndTheLogStaysWithinItsBudget()
      throws Exception {
    try (RawAbiGuest guest = new RawAbiGuest();
        LogCapture log = new LogCapture("dev.wasisockets.policy.NetworkPolicy")) {
      int fd = guest.openSocket();
      guest.memory().write(ADDRESS_BYTES, InetAddress.getLoopbackAddress().getAddress());
      guest.addressDescriptor(ADDRESS_BYTES, 4);
      int deniedPort = guest.peerPort() == 80 ? 81 : 80; // only the peer's port is granted

      long start = System.nanoTime();
      for (int i = 0; i < CONNECTS; i++) {
        assertThat(guest.call("sock_connect", fd, ADDRESS_DESCRIPTOR, deniedPort))
            .isEqualTo(EACCES);
      }
      long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) + 1;

      assertThat(guest.statistics().denied(NetworkUse.TCP_CONNECT)).isEqualTo(CONNECTS);
      // Each second (however many the flood took) writes at most its budget and one count of
      // what it left out, whichever clock second the flood began in.
      assertThat(log.lines())
          .isNotEmpty()
          .hasSizeLessThanOrEqualTo((int) ((seconds + 1) * (RateLimitedLog.LINES_PER_SECOND + 1)))
          .first()
          .asString()
          .startsWith("denied tcp connect to 127.0.0.1:" + deniedPort);
    }
  }
}
