package dev.wasisockets.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.LogCapture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class NetworkPolicyTest {
  private static final InetSocketAddress LOOPBACK_80 =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 80);

  @Test
  void denyAllDeniesEveryAddressAndSaysSo() {
    try (LogCapture log = new LogCapture(NetworkPolicy.class.getName())) {
      Decision decision = NetworkPolicy.denyAll().decide(NetworkUse.TCP_CONNECT, LOOPBACK_80);

      assertThat(decision.allowed()).isFalse();
      assertThat(decision.rule()).isEqualTo("default deny");
      assertThat(log.lines())
          .containsExactly(
              "denied tcp connect to 127.0.0.1:80"
                  + " (rule: default deny; no --allow-connect grant matches)");
    }
  }

  @Test
  void anAllowedAddressNamesTheGrantThatAllowedItAndLogsNothing() {
    NetworkPolicy policy =
        NetworkPolicy.builder()
            .allow(NetworkUse.TCP_CONNECT, "10.0.0.0/8")
            .allow(NetworkUse.TCP_CONNECT, "127.0.0.1:80")
            .build();
    try (LogCapture log = new LogCapture(NetworkPolicy.class.getName())) {
      Decision decision = policy.decide(NetworkUse.TCP_CONNECT, LOOPBACK_80);

      assertThat(decision.allowed()).isTrue();
      assertThat(decision.rule()).isEqualTo("allow 127.0.0.1:80");
      assertThat(log.lines()).isEmpty();
    }
  }

  @Test
  void ipv6DenialsPrintTheAddressInBrackets() throws Exception {
    try (LogCapture log = new LogCapture(NetworkPolicy.class.getName())) {
      NetworkPolicy.denyAll()
          .decide(NetworkUse.TCP_CONNECT, new InetSocketAddress(InetAddress.getByName("::1"), 7));

      assertThat(log.lines())
          .singleElement()
          .asString()
          .startsWith("denied tcp connect to [::1]:7");
    }
  }
}
