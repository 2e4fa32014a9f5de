package dev.wasisockets.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.LogCapture;
import dev.wasisockets.address.IpLiteral;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
  void aNameTheGuestChoseCannotWriteALineOfItsOwn() {
    String forged = "evil.example\nWARNING: denied nothing (rule: \u202e fake)";
    try (LogCapture log = new LogCapture(NetworkPolicy.class.getName())) {
      NetworkPolicy.denyAll().decideLookup(forged);
      NetworkPolicy.denyAll().decide(NetworkUse.TCP_CONNECT, LOOPBACK_80, forged);

      String shown = "\"evil.example\\nWARNING: denied nothing (rule: \\u202e fake)\"";
      assertThat(log.lines())
          .containsExactly(
              "denied name lookup of "
                  + shown
                  + " (rule: default deny; no --allow-lookup grant"
                  + " matches)",
              "denied tcp connect to 127.0.0.1:80 ("
                  + shown
                  + ") (rule: default deny; no"
                  + " --allow-connect grant matches)");
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

  @Test
  void aDenialOfAnAddressThatCarriesAnIpv4AddressNamesIt() throws Exception {
    NetworkPolicy policy =
        NetworkPolicy.builder()
            .allow(NetworkUse.TCP_CONNECT, "*")
            .deny(NetworkUse.TCP_CONNECT, "loopback")
            .build();
    try (LogCapture log = new LogCapture(NetworkPolicy.class.getName())) {
      Decision decision = policy.decide(NetworkUse.TCP_CONNECT, address("64:ff9b::7f00:1", 80));

      assertThat(decision.rule()).isEqualTo("deny loopback");
      assertThat(log.lines())
          .containsExactly(
              "denied tcp connect to [64:ff9b::7f00:1]:80, which carries 127.0.0.1"
                  + " (rule: deny loopback)");
    }
  }

  @ParameterizedTest(name = "{0} under {1}: {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        // An allow rule sees the address as written: a grant of an IPv4 address is not a grant of
        // every IPv6 spelling of it, and a grant of the NAT64 prefix still passes the deny rules.
        "64:ff9b::7f00:1 | allow 127.0.0.1                       | default deny",
        "64:ff9b::a00:1  | allow [64:ff9b::]/96, deny private     | deny private",
        "64:ff9b::808:808 | allow [64:ff9b::]/96, deny private    | allow [64:ff9b::]/96",
        // A deny rule sees the address as written too.
        "64:ff9b::808:808 | allow *, deny [64:ff9b::]/96          | deny [64:ff9b::]/96",
        "2002:808:808::1 | allow 8.8.8.8                          | default deny",
      })
  void allowRulesSeeTheAddressAsWrittenAndDenyRulesTheIpv4ItCarriesAsWell(
      String target, String rules, String decidedBy) throws Exception {
    NetworkPolicy.Builder builder = NetworkPolicy.builder();
    for (String rule : rules.split(", ")) {
      String[] verbAndRule = rule.split(" ", 2);
      if (verbAndRule[0].equals("allow")) {
        builder.allow(NetworkUse.TCP_CONNECT, verbAndRule[1]);
      } else {
        builder.deny(NetworkUse.TCP_CONNECT, verbAndRule[1]);
      }
    }

    Decision decision = builder.build().decide(NetworkUse.TCP_CONNECT, address(target, 443));

    assertThat(decision.rule()).isEqualTo(decidedBy);
  }

  @Test
  void aBindIsJudgedOnItsOwnAddressNotOnAnIpv4ItCarries() throws Exception {
    // A host's own 6to4 address embeds its own public IPv4 address; binding it sends nothing there.
    NetworkPolicy policy =
        NetworkPolicy.builder()
            .allow(NetworkUse.BIND, "*")
            .deny(NetworkUse.BIND, "private")
            .deny(NetworkUse.TCP_CONNECT, "private")
            .allow(NetworkUse.TCP_CONNECT, "*")
            .build();

    assertThat(policy.decide(NetworkUse.BIND, address("2002:a00:1::1", 0)).allowed()).isTrue();
    assertThat(policy.decide(NetworkUse.TCP_CONNECT, address("2002:a00:1::1", 80)).allowed())
        .isFalse();
  }

  private static InetSocketAddress address(String literal, int port) {
    return new InetSocketAddress(IpLiteral.parse(literal), port);
  }

  @Test
  void aFloodOfDenialsIsLoggedAtMostTenLinesASecondThenCounted() throws Exception {
    AtomicLong now = new AtomicLong();
    NetworkPolicy policy = NetworkPolicy.builder().nanoClock(now::get).build();
    try (LogCapture log = new LogCapture(NetworkPolicy.class.getName())) {
      for (int i = 0; i < 500; i++) {
        policy.decide(NetworkUse.TCP_CONNECT, LOOPBACK_80);
        policy.decideLookup("flood.example");
      }
      assertThat(log.lines()).hasSize(10);

      now.addAndGet(2_000_000_000L);
      assertThat(policy.decide(NetworkUse.UDP_SEND, LOOPBACK_80).allowed()).isFalse();

      assertThat(log.lines())
          .hasSize(12)
          .endsWith(
              "990 more denials not logged in the last 2.0 s (at most 10 lines a second)",
              "denied udp send to 127.0.0.1:80 (rule: default deny; no --allow-udp grant matches)");
    }
  }
}
