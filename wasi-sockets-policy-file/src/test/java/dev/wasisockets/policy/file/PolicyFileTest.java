package dev.wasisockets.policy.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasisockets.policy.Limits;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.policy.file.PolicyFile.Defaults;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PolicyFileTest {
  /** Every key of wasmnet's [network] table, as a wasmnet user writes them. */
  private static final String WASMNET_STYLE =
      """
      [network]
      deny = ["10.0.0.0/8", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "evil.example"]
      allow = ["*"]
      bind_ports = "4000-4999,8080"
      max_connections = 12
      max_bandwidth_mbps = 8
      connection_timeout_secs = 5
      """;

  @Test
  void aWasmnetPolicyMeansWhatItMeansThere() throws Exception {
    NetworkPolicy policy =
        PolicyFile.parse(WASMNET_STYLE, "wasmnet.toml", Defaults.GATEWAY).build();

    assertThat(allowed(policy, NetworkUse.TCP_CONNECT, "10.9.8.7", 80)).isFalse();
    assertThat(allowed(policy, NetworkUse.TCP_CONNECT, "127.0.0.1", 80)).isFalse();
    assertThat(allowed(policy, NetworkUse.TCP_CONNECT, "169.254.169.254", 80)).isFalse();
    assertThat(allowed(policy, NetworkUse.TCP_CONNECT, "93.184.216.34", 443)).isTrue();
    assertThat(allowed(policy, NetworkUse.UDP_SEND, "10.0.0.1", 53)).isFalse();
    assertThat(allowed(policy, NetworkUse.UDP_SEND, "9.9.9.9", 53)).isTrue();
    assertThat(allowed(policy, NetworkUse.BIND, "0.0.0.0", 4000)).isTrue();
    assertThat(allowed(policy, NetworkUse.BIND, "0.0.0.0", 8080)).isTrue();
    assertThat(allowed(policy, NetworkUse.BIND, "0.0.0.0", 5000)).isFalse();
    assertThat(
            policy
                .resolve(
                    NetworkUse.TCP_CONNECT,
                    "www.evil.example",
                    443,
                    name -> {
                      throw new AssertionError("looked up " + name);
                    })
                .allowed())
        .isFalse();
    assertThat(policy.limits())
        .isEqualTo(
            Limits.NONE
                .withMaxConnections(12)
                .withBytesPerSecond(1_000_000)
                .withConnectTimeout(Duration.ofSeconds(5)));
  }

  @Test
  void keysLeftOutTakeWasmnetsDefaultsForTheGateway() throws Exception {
    NetworkPolicy policy = PolicyFile.parse("[network]\n", "empty.toml", Defaults.GATEWAY).build();

    assertThat(allowed(policy, NetworkUse.TCP_CONNECT, "192.168.1.1", 80)).isFalse();
    assertThat(allowed(policy, NetworkUse.TCP_CONNECT, "0.0.0.0", 80)).isFalse();
    assertThat(allowed(policy, NetworkUse.TCP_CONNECT, "1.1.1.1", 80)).isTrue();
    assertThat(allowed(policy, NetworkUse.BIND, "0.0.0.0", 3000)).isTrue();
    assertThat(allowed(policy, NetworkUse.BIND, "0.0.0.0", 2999)).isFalse();
    assertThat(policy.decideLookup("example.com").allowed()).isTrue();
    assertThat(policy.limits()).isEqualTo(Limits.wasmnetDefault());
  }

  @Test
  void keysLeftOutGrantNothingForRun() throws Exception {
    NetworkPolicy policy =
        PolicyFile.parse("[network]\n", "empty.toml", Defaults.NOTHING_GRANTED).build();

    assertThat(allowed(policy, NetworkUse.TCP_CONNECT, "1.1.1.1", 80)).isFalse();
    assertThat(allowed(policy, NetworkUse.BIND, "0.0.0.0", 3000)).isFalse();
    assertThat(policy.decideLookup("example.com").allowed()).isFalse();
    assertThat(policy.limits()).isEqualTo(Limits.NONE);
  }

  @Test
  void ourKeysSitBesideWasmnets() throws Exception {
    NetworkPolicy policy =
        PolicyFile.parse(
                """
                [network]
                allow = ["127.0.0.1:8000-8999", "loopback:9000"]
                lookup = ["*.example.com"]
                bind = ["127.0.0.1:7000"]
                max_socket_bandwidth_mbps = 16
                max_listeners = 3
                max_pending_accepts = 7
                idle_timeout_secs = 60
                lookup_timeout_secs = 2
                """,
                "ours.toml",
                Defaults.NOTHING_GRANTED)
            .build();

    assertThat(allowed(policy, NetworkUse.TCP_CONNECT, "127.0.0.1", 8500)).isTrue();
    assertThat(allowed(policy, NetworkUse.TCP_CONNECT, "::1", 9000)).isTrue();
    assertThat(allowed(policy, NetworkUse.TCP_CONNECT, "127.0.0.1", 9001)).isFalse();
    assertThat(policy.decideLookup("api.example.com").allowed()).isTrue();
    assertThat(policy.decideLookup("example.org").allowed()).isFalse();
    assertThat(allowed(policy, NetworkUse.BIND, "127.0.0.1", 7000)).isTrue();
    assertThat(policy.limits())
        .isEqualTo(
            Limits.NONE
                .withSocketBytesPerSecond(2_000_000)
                .withMaxListeners(3)
                .withMaxPendingAccepts(7)
                .withIdleTimeout(Duration.ofSeconds(60))
                .withLookupTimeout(Duration.ofSeconds(2)));
  }

  @Test
  void aBadFileIsOneMessageNamingTheKeyAndTheLine() {
    assertProblem(
        "[network]\nallow = [\"*\"]\nmax_conections = 3\n",
        "bad.toml:3: unknown key network.max_conections");
    assertProblem(
        "[network]\nmax_connections = \"many\"\n",
        "bad.toml:2: network.max_connections must be a whole number");
    assertProblem(
        "[network]\nmax_connections = -1\n",
        "bad.toml:2: network.max_connections must be a whole number");
    assertProblem(
        "[network]\ndeny = \"10.0.0.0/8\"\n",
        "bad.toml:2: network.deny must be an array of strings");
    assertProblem(
        "[network]\n\nallow = [\"10.0.0.0/33\"]\n",
        "bad.toml:3: network.allow: '10.0.0.0/33' is not a rule");
    assertProblem(
        "[network]\nbind_ports = \"80-70\"\n",
        "bad.toml:2: network.bind_ports: '*:80-70' is not a rule");
    assertProblem(
        "[network]\nallow = [\"*\", 7]\n", "bad.toml:2: network.allow[1] must be a string");
    assertProblem("[network\n", "bad.toml:1: not valid TOML");
    assertProblem("[limits]\nx = 1\n", "bad.toml:1: unknown table or key 'limits'");
  }

  private static void assertProblem(String toml, String message) {
    assertThatThrownBy(() -> PolicyFile.parse(toml, "bad.toml", Defaults.NOTHING_GRANTED))
        .isInstanceOf(PolicyFileException.class)
        .hasMessageStartingWith(message)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  private static boolean allowed(NetworkPolicy policy, NetworkUse use, String address, int port)
      throws Exception {
    return policy
        .decide(use, new InetSocketAddress(InetAddress.getByName(address), port))
        .allowed();
  }
}
