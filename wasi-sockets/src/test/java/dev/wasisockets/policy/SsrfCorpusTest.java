package dev.wasisockets.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Server-side request forgery, table-driven: every spelling of an inward address, names that
 * resolve inward, a resolver that answers public then private, ports at the edge of a grant,
 * wildcard lookalikes; each decided under the gateway default and under an allow list. Decided at
 * the policy level through a fake resolver: no connection is ever opened.
 */
class SsrfCorpusTest {
  private static final Map<String, List<String>> DNS =
      Map.ofEntries(
          Map.entry("api.example.com", List.of("93.184.216.34")),
          Map.entry("localtest.me", List.of("127.0.0.1")),
          Map.entry("internal.example.com", List.of("10.0.0.5")),
          Map.entry("metadata.example.com", List.of("169.254.169.254")),
          Map.entry("rebind.example.com", List.of("93.184.216.34", "127.0.0.1")),
          Map.entry("private-first.example.com", List.of("10.0.0.1", "93.184.216.35")),
          Map.entry("v6private.example.com", List.of("fd00::1")),
          Map.entry("mapped.example.com", List.of("::ffff:127.0.0.1")),
          // What a DNS64 resolver answers for an IPv4-only name: the IPv4 address under 64:ff9b::.
          Map.entry("dns64-metadata.example.com", List.of("64:ff9b::a9fe:a9fe")),
          Map.entry("dns64-public.example.com", List.of("64:ff9b::5db8:d822")),
          Map.entry("api.github.com", List.of("140.82.112.3")),
          Map.entry("github.com", List.of("140.82.112.4")),
          Map.entry("evilgithub.com", List.of("140.82.112.5")),
          Map.entry("github.com.evil.net", List.of("6.6.6.6")));

  private static final HostResolver RESOLVER =
      name -> {
        List<String> answers = DNS.get(DomainRule.normalize(name));
        if (answers == null) {
          throw new UnknownHostException(name);
        }
        InetAddress[] addresses = new InetAddress[answers.size()];
        for (int i = 0; i < addresses.length; i++) {
          addresses[i] = InetAddress.getByName(answers.get(i)); // literals: no real lookup
        }
        return Arrays.asList(addresses);
      };

  private static final NetworkPolicy GATEWAY_DEFAULT = NetworkPolicy.gatewayDefault();

  private static final NetworkPolicy ALLOW_LIST = allowList();

  private static NetworkPolicy allowList() {
    NetworkPolicy.Builder builder =
        NetworkPolicy.builder()
            .allow(NetworkUse.TCP_CONNECT, "api.example.com:443")
            .allow(NetworkUse.TCP_CONNECT, "*.github.com:443")
            .allow(NetworkUse.TCP_CONNECT, "8.8.4.0/24:8000-8999")
            .allow(NetworkUse.TCP_CONNECT, "[2606:4700::]/32:8000-8999");
    for (AddressClass inward : AddressClass.values()) {
      builder.deny(NetworkUse.TCP_CONNECT, inward.ruleName());
    }
    return builder.build();
  }

  @ParameterizedTest(name = "{0}:{1} default={2} allow-list={3}")
  @CsvSource(
      delimiter = '|',
      value = {
        // Loopback, in every spelling.
        "127.0.0.1             | 80   | denied  | denied",
        "127.1                 | 80   | denied  | denied",
        "2130706433            | 80   | denied  | denied",
        "0x7f000001            | 80   | denied  | denied",
        "0177.0.0.1            | 80   | denied  | denied",
        "0x7f.0.0.1            | 80   | denied  | denied",
        "127.0.0.2             | 80   | denied  | denied",
        "::1                   | 80   | denied  | denied",
        "::ffff:127.0.0.1      | 80   | denied  | denied",
        "0:0:0:0:0:ffff:7f00:1 | 80   | denied  | denied",
        // The unspecified address and 0.0.0.0/8 reach the local host.
        "0.0.0.0               | 80   | denied  | denied",
        "::                    | 80   | denied  | denied",
        "0                     | 80   | denied  | denied",
        "0.1.2.3               | 80   | denied  | denied",
        // Private ranges.
        "10.0.0.1              | 80   | denied  | denied",
        "172.16.5.4            | 80   | denied  | denied",
        "172.31.255.255        | 80   | denied  | denied",
        "192.168.1.1           | 80   | denied  | denied",
        "::ffff:10.0.0.1       | 80   | denied  | denied",
        "0xa000001             | 80   | denied  | denied",
        "167772161             | 80   | denied  | denied",
        "012.0.0.1             | 80   | denied  | denied",
        // Link-local (cloud metadata), CGNAT, unique-local, multicast, broadcast.
        "169.254.169.254       | 80   | denied  | denied",
        "fe80::1               | 80   | denied  | denied",
        "100.64.0.1            | 80   | denied  | denied",
        "fd00::1               | 80   | denied  | denied",
        "224.0.0.1             | 80   | denied  | denied",
        "255.255.255.255       | 80   | denied  | denied",
        // IPv6 addresses that carry an IPv4 address are judged by it too. NAT64 (RFC 6052).
        "64:ff9b::7f00:1       | 80   | denied  | denied",
        "64:ff9b::127.0.0.1    | 80   | denied  | denied",
        "64:ff9b::a00:1        | 80   | denied  | denied",
        "64:ff9b::a9fe:a9fe    | 80   | denied  | denied",
        "64:ff9b::5db8:d822    | 80   | allowed | denied",
        // 6to4 (RFC 3056): the IPv4 address of the relay the packets are tunnelled to.
        "2002:7f00:1::         | 80   | denied  | denied",
        "2002:a00:1::1         | 80   | denied  | denied",
        "2002:a9fe:a9fe:1::1   | 80   | denied  | denied",
        "2002:5db8:d822::1     | 80   | allowed | denied",
        // IPv4-compatible (RFC 4291, deprecated) and IPv4-translated (RFC 2765).
        "::7f00:1              | 80   | denied  | denied",
        "::127.0.0.2           | 80   | denied  | denied",
        "::a00:1               | 80   | denied  | denied",
        "::ffff:0:7f00:1       | 80   | denied  | denied",
        "::ffff:0:a00:1        | 80   | denied  | denied",
        "::ffff:0:5db8:d822    | 80   | allowed | denied",
        // Teredo (RFC 4380): server 65.54.227.120; client 127.0.0.1, 10.0.0.1, 93.184.216.34
        // (stored inverted); and a private server with a public client.
        "2001:0:4136:e378:8000:63bf:80ff:fffe | 80 | denied  | denied",
        "2001:0:4136:e378:8000:63bf:f5ff:fffe | 80 | denied  | denied",
        "2001:0:4136:e378:8000:63bf:a247:27dd | 80 | allowed | denied",
        "2001:0:a00:1:8000:63bf:a247:27dd     | 80 | denied  | denied",
        // Not routable, or not public: site-local, local-use NAT64, benchmarking, reserved,
        // documentation, discard-only, IETF protocol assignments.
        "fec0::1               | 80   | denied  | denied",
        "feff:ffff::1          | 80   | denied  | denied",
        "64:ff9b:1::5db8:d822  | 80   | denied  | denied",
        "198.18.0.1            | 80   | denied  | denied",
        "198.19.255.255        | 80   | denied  | denied",
        "2001:2::1             | 80   | denied  | denied",
        "240.0.0.1             | 80   | denied  | denied",
        "254.255.255.255       | 80   | denied  | denied",
        "192.0.2.1             | 80   | denied  | denied",
        "198.51.100.1          | 80   | denied  | denied",
        "203.0.113.7           | 80   | denied  | denied",
        "2001:db8::5           | 80   | denied  | denied",
        "3fff::1               | 80   | denied  | denied",
        // Reserved: 240.0.0.0/4, and IPv6 space the IANA has not allocated (outside 2000::/3,
        // fc00::/7, fe80::/10, fec0::/10, ff00::/8, and the special forms of ::/8).
        "100::1                | 80   | denied  | denied",
        "4000::1               | 80   | denied  | denied",
        "fe00::1               | 80   | denied  | denied",
        "0:1::1                | 80   | denied  | denied",
        "64:ff9b:2::1          | 80   | denied  | denied",
        "64:ff9b:0:0:1::1      | 80   | denied  | denied",
        "192.0.0.8             | 80   | denied  | denied",
        // Public addresses, and ports and blocks at the edges of a grant.
        "93.184.216.34         | 80   | allowed | denied",
        "8.8.4.7               | 8000 | allowed | allowed",
        "8.8.4.7               | 8999 | allowed | allowed",
        "8.8.4.7               | 7999 | allowed | denied",
        "8.8.4.7               | 9000 | allowed | denied",
        "8.8.5.7               | 8000 | allowed | denied",
        "2606:4700::5          | 8500 | allowed | allowed",
        "172.32.0.1            | 80   | allowed | denied",
        "100.128.0.1           | 80   | allowed | denied",
        "198.20.0.1            | 80   | allowed | denied",
        "198.17.255.255        | 80   | allowed | denied",
        "239.255.255.255       | 80   | denied  | denied",
        "192.0.3.1             | 80   | allowed | denied",
        "2001:db9::1           | 80   | allowed | denied",
        "2001:1::1             | 80   | allowed | denied",
        // Names: resolved once, every address checked.
        "api.example.com       | 443  | allowed | allowed",
        "api.example.com       | 80   | allowed | denied",
        "localtest.me          | 80   | denied  | denied",
        "internal.example.com  | 80   | denied  | denied",
        "metadata.example.com  | 80   | denied  | denied",
        "rebind.example.com    | 443  | allowed | denied",
        "private-first.example.com | 443 | allowed | denied",
        "v6private.example.com | 80   | denied  | denied",
        "mapped.example.com    | 80   | denied  | denied",
        "dns64-metadata.example.com | 80 | denied | denied",
        "dns64-public.example.com   | 80 | allowed | denied",
        // Wildcards: apex and subdomains, not lookalikes; case and a trailing dot change nothing.
        "api.github.com        | 443  | allowed | allowed",
        "github.com            | 443  | allowed | allowed",
        "API.GitHub.com.       | 443  | allowed | allowed",
        "api.github.com        | 444  | allowed | denied",
        "evilgithub.com        | 443  | allowed | denied",
        "github.com.evil.net   | 443  | allowed | denied",
      })
  void decidesOnTheAddressTheConnectionWouldReallyUse(
      String host, int port, String underDefault, String underAllowList) throws IOException {
    assertDecision(GATEWAY_DEFAULT, host, port, underDefault);
    assertDecision(ALLOW_LIST, host, port, underAllowList);
  }

  /** The case reported in issue 12: {@code --allow-connect '*' --deny loopback --deny private}. */
  private static final NetworkPolicy ANY_BUT_LOOPBACK_AND_PRIVATE =
      NetworkPolicy.builder()
          .allow(NetworkUse.TCP_CONNECT, "*")
          .deny(NetworkUse.TCP_CONNECT, "loopback")
          .deny(NetworkUse.TCP_CONNECT, "private")
          .build();

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource({
    "64:ff9b::7f00:1, deny loopback",
    "64:ff9b::a00:1, deny private",
    "2002:7f00:1::, deny loopback",
    "::7f00:1, deny loopback",
    "::ffff:0:7f00:1, deny loopback",
    "2001:0:4136:e378:8000:63bf:80ff:fffe, deny loopback",
    "2001:0:c0a8:101:8000:63bf:a247:27dd, deny private",
    "2002::, deny loopback", // 6to4 to 0.0.0.0, which reaches the local host
    "64:ff9b::5db8:d822, allow *",
    "2002:5db8:d822::1, allow *",
    "2001:0:4136:e378:8000:63bf:a247:27dd, allow *"
  })
  void anAddressThatCarriesAnIpv4AddressIsDeniedByWhatDeniesIt(String host, String rule)
      throws IOException {
    Resolution resolution =
        ANY_BUT_LOOPBACK_AND_PRIVATE.resolve(NetworkUse.TCP_CONNECT, host, 80, RESOLVER);

    assertThat(resolution.decision().rule()).isEqualTo(rule);
  }

  @ParameterizedTest(name = "{0} connects to {1}")
  @CsvSource({
    "rebind.example.com, 93.184.216.34",
    "private-first.example.com, 93.184.216.35",
    "0x7f.1, 127.0.0.1"
  })
  void anAllowedNameYieldsTheAddressThatPassedAndNoOther(String host, String expected)
      throws IOException {
    NetworkPolicy policy =
        host.startsWith("0x")
            ? NetworkPolicy.builder().allow(NetworkUse.TCP_CONNECT, "loopback").build()
            : GATEWAY_DEFAULT;

    Resolution resolution = policy.resolve(NetworkUse.TCP_CONNECT, host, 443, RESOLVER);

    assertThat(resolution.address().getAddress()).isEqualTo(InetAddress.getByName(expected));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"evil.example.com", "EVIL.example.com."})
  void aDeniedNameIsRefusedWithoutBeingLookedUp(String host) throws IOException {
    NetworkPolicy policy =
        NetworkPolicy.builder()
            .allow(NetworkUse.TCP_CONNECT, "*")
            .deny(NetworkUse.TCP_CONNECT, "evil.example.com")
            .build();
    HostResolver mustNotBeAsked =
        name -> {
          throw new AssertionError("looked up " + name);
        };

    Resolution resolution = policy.resolve(NetworkUse.TCP_CONNECT, host, 80, mustNotBeAsked);

    assertThat(resolution.allowed()).isFalse();
    assertThat(resolution.decision().rule()).isEqualTo("deny evil.example.com");
  }

  private static void assertDecision(NetworkPolicy policy, String host, int port, String expected)
      throws IOException {
    Resolution resolution = policy.resolve(NetworkUse.TCP_CONNECT, host, port, RESOLVER);
    assertThat(resolution.allowed() ? "allowed" : "denied")
        .as("%s:%d (%s)", host, port, resolution.decision().rule())
        .isEqualTo(expected);
    assertThat(resolution.address() != null).isEqualTo(resolution.allowed());
  }
}
