package dev.wasisockets.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/**
 * The count behind the per-address cap (the cap itself, over real sockets:
 * GatewayOpeningLimitsTest).
 */
class ConnectionsPerAddressTest {
  private final InetAddress one = address("192.0.2.1");
  private final InetAddress other = address("2001:db8::1");

  @Test
  void eachAddressHasItsOwnShare() {
    ConnectionsPerAddress perAddress = new ConnectionsPerAddress(2);

    assertThat(perAddress.tryOpen(one)).isTrue();
    assertThat(perAddress.tryOpen(one)).isTrue();
    assertThat(perAddress.tryOpen(one)).isFalse();
    assertThat(perAddress.tryOpen(other)).isTrue();
    assertThat(perAddress.openFrom(one)).isEqualTo(2);
  }

  @Test
  void aClosedConnectionGivesItsPlaceBackAndARefusedOneTookNone() {
    ConnectionsPerAddress perAddress = new ConnectionsPerAddress(1);
    perAddress.tryOpen(one);
    perAddress.tryOpen(one); // refused

    perAddress.closed(one);

    assertThat(perAddress.openFrom(one)).isZero();
    assertThat(perAddress.tryOpen(one)).isTrue();
  }

  @Test
  void zeroIsNoLimit() {
    ConnectionsPerAddress perAddress = new ConnectionsPerAddress(0);
    for (int i = 0; i < 10_000; i++) {
      assertThat(perAddress.tryOpen(one)).isTrue();
    }
  }

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal); // a literal: no lookup
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
