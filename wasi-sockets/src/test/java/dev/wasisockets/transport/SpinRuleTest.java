package dev.wasisockets.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasisockets.transport.virtual.VirtualNetwork;
import java.net.StandardProtocolFamily;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * When a transport spins: one socket's arrival, and while most of the last 8 such waits were short.
 */
class SpinRuleTest {
  private static final long SPIN = 50_000;

  @Test
  void onlyAWaitForOneSocketsArrivalMaySpin() throws Exception {
    Transport transport = VirtualNetwork.create().host("a").newTransport();
    TransportChannel one = transport.openTcp(StandardProtocolFamily.INET);
    TransportChannel two = transport.openTcp(StandardProtocolFamily.INET);
    SpinRule rule = new SpinRule(Duration.ofNanos(SPIN));

    ReadinessSet read = new ReadinessSet();
    read.add(one, Readiness.READ);
    ReadinessSet write = new ReadinessSet();
    write.add(one, Readiness.WRITE);
    ReadinessSet many = new ReadinessSet();
    many.add(one, Readiness.READ);
    many.add(two, Readiness.READ);

    assertThat(rule.applies(read)).isTrue();
    assertThat(rule.applies(write)).isFalse();
    assertThat(rule.applies(many)).isFalse();
    assertThat(new SpinRule(Duration.ZERO).applies(read)).isFalse();
    transport.close();
  }

  @Test
  void aSpinPaysWhileMostOfTheLastEightWaitsEndedWithinIt() {
    SpinRule rule = new SpinRule(Duration.ofNanos(SPIN));
    assertThat(rule.pays()).isFalse(); // nothing known yet: park

    for (int i = 0; i < 4; i++) {
      rule.remember(SPIN);
    }
    assertThat(rule.pays()).isFalse(); // 4 of 8 is not most
    rule.remember(1_000);
    assertThat(rule.pays()).isTrue();

    for (int i = 0; i < 4; i++) {
      rule.remember(SPIN + 1); // long waits push the short ones out
    }
    assertThat(rule.pays()).isFalse();
  }

  @Test
  void aNegativeSpinIsRefused() {
    assertThatThrownBy(() -> new SpinRule(Duration.ofNanos(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
