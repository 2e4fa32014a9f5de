package dev.wasisockets.policy.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.address.IpLiteral;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.net.InetSocketAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A policy file means the same address classes as the built-in policies: the gateway's defaults
 * (its keys left out) deny each class the built-in gateway default denies, and a class named in a
 * deny rule is that class.
 */
class PolicyFileAddressClassTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "site-local, fec0::1",
    "nat64-local, 64:ff9b:1::1",
    "benchmarking, 198.18.0.1",
    "reserved, 240.0.0.1",
    "documentation, 192.0.2.1",
    "ietf-protocol, 192.0.0.8",
  })
  void theGatewayDefaultsDenyEveryClass(String name, String inside) throws Exception {
    InetSocketAddress target = new InetSocketAddress(IpLiteral.parse(inside), 80);
    NetworkPolicy fromFile =
        PolicyFile.parse("[network]\n", "empty.toml", PolicyFile.Defaults.GATEWAY).build();
    NetworkPolicy named =
        PolicyFile.parse(
                "[network]\nallow = [\"*\"]\ndeny = [\"" + name + "\"]\n",
                "named.toml",
                PolicyFile.Defaults.NOTHING_GRANTED)
            .build();

    for (NetworkPolicy policy : new NetworkPolicy[] {NetworkPolicy.gatewayDefault(), fromFile}) {
      assertThat(policy.decide(NetworkUse.TCP_CONNECT, target).rule()).isEqualTo("deny " + name);
      assertThat(policy.decide(NetworkUse.UDP_SEND, target).rule()).isEqualTo("deny " + name);
    }
    assertThat(named.decide(NetworkUse.TCP_CONNECT, target).rule()).isEqualTo("deny " + name);
  }
}
