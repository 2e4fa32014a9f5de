package dev.wasisockets.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.address.IpLiteral;
import java.net.InetSocketAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every address class by the name rules give it: its edges, what lies just outside, and that the
 * gateway's built-in defaults deny it (a policy file's defaults: PolicyFileAddressClassTest).
 */
class AddressClassTest {

  @ParameterizedTest(name = "{0}: {1} in, {2} out")
  @CsvSource({
    "unspecified,   0.0.0.0,          0.0.0.1",
    "unspecified,   ::,               ::2",
    "this-network,  0.255.255.255,    1.0.0.0",
    "loopback,      127.255.255.254,  128.0.0.1",
    "loopback,      ::1,              ::2",
    "private,       172.31.255.255,   172.32.0.0",
    "link-local,    fe80::1,          fec0::1",
    "cgnat,         100.127.255.255,  100.128.0.0",
    "unique-local,  fd12::1,          fe00::1",
    "multicast,     ff02::1,          fe80::1",
    "broadcast,     255.255.255.255,  255.255.255.254",
    "site-local,    fec0::1,          fe80::1",
    "site-local,    feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, ff00::1",
    "nat64-local,   64:ff9b:1:ffff::1, 64:ff9b:2::1",
    "nat64-local,   64:ff9b:1::a00:1, 64:ff9b::a00:1",
    "benchmarking,  198.18.0.0,       198.17.255.255",
    "benchmarking,  198.19.255.255,   198.20.0.0",
    "benchmarking,  2001:2::1,        2001:2:1::1",
    "reserved,      240.0.0.0,        239.255.255.255",
    "reserved,      254.255.255.255,  223.255.255.255",
    "reserved,      100::1,           2001::1",
    "reserved,      fe00::1,          fe80::1",
    "reserved,      4000::1,          3fff:ffff::1",
    "reserved,      0:1::1,           ::7f00:1",
    "documentation, 192.0.2.255,      192.0.3.0",
    "documentation, 198.51.100.0,     198.51.101.0",
    "documentation, 203.0.113.99,     203.0.112.255",
    "documentation, 2001:db8:ffff::1, 2001:db9::1",
    "documentation, 3fff:fff::1,      3fff:1000::1",
    "ietf-protocol, 192.0.0.170,      192.0.1.1",
  })
  void aClassCoversItsRangeAndNothingBeside(String name, String inside, String outside) {
    Rule rule = Rule.parse(name + ":443");

    assertThat(rule.matchesAddress(IpLiteral.parse(inside), 443)).as(inside).isTrue();
    assertThat(rule.matchesAddress(IpLiteral.parse(outside), 443)).as(outside).isFalse();
    assertThat(rule.matchesAddress(IpLiteral.parse(inside), 80)).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "site-local, fec0::1",
    "nat64-local, 64:ff9b:1::1",
    "benchmarking, 198.18.0.1",
    "reserved, 240.0.0.1",
    "documentation, 192.0.2.1",
    "ietf-protocol, 192.0.0.8",
  })
  void theGatewayDefaultsDenyEveryClass(String name, String inside) {
    InetSocketAddress target = new InetSocketAddress(IpLiteral.parse(inside), 80);
    NetworkPolicy policy = NetworkPolicy.gatewayDefault();

    assertThat(policy.decide(NetworkUse.TCP_CONNECT, target).rule()).isEqualTo("deny " + name);
    assertThat(policy.decide(NetworkUse.UDP_SEND, target).rule()).isEqualTo("deny " + name);
  }
}
