package dev.wasisockets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.GuestRun.Mode;
import dev.wasisockets.GuestRun.Result;
import dev.wasisockets.GuestRun.Server;
import dev.wasisockets.ScenarioNetwork.Kind;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two guests over UDP: the WasmEdge UDP client looks the echo guest's host up by name and sends it
 * datagrams from a socket it never bound; the WasmEdge UDP echo guest sends each back to its
 * source. On a virtual network the name is a member's, resolved inside it; on loopback it is
 * localhost. The same assertions on both: the bytes back, and the source they came from.
 */
@Timeout(60)
class TwoUdpGuestsTest {
  private static final int DATAGRAMS = 3;

  @ParameterizedTest
  @EnumSource(Kind.class)
  void theUdpClientGuestHasItsDatagramsEchoedByTheEchoGuest(Kind kind) throws Exception {
    for (Mode mode : Mode.values()) {
      try (ScenarioNetwork network = kind.open()) {
        int port = network.freeUdpPort();
        NetworkPolicy echoPolicy =
            NetworkPolicy.builder()
                .allow(NetworkUse.BIND, network.serverAddress() + ":" + port)
                .allow(NetworkUse.UDP_SEND, network.clientAddress())
                .build();
        NetworkPolicy clientPolicy =
            NetworkPolicy.builder()
                .allowLookup()
                .allow(NetworkUse.UDP_SEND, network.serverName() + ":" + port)
                .build();
        try (Server echo =
            GuestRun.start(
                GuestFixture.WASMEDGE_UDP_ECHO.bytes(),
                mode,
                echoPolicy,
                network.serverTransport(),
                network.serverAddress(),
                "" + port,
                "" + DATAGRAMS)) {
          // Bound and waiting in its first receive, so no datagram comes before the port is
          // there (UDP would drop it, on loopback and on the virtual network alike).
          assertThat(ScenarioNetwork.waitsToReceive(echo.thread()))
              .as("the echo guest waits")
              .isTrue();

          Result client =
              GuestRun.run(
                  GuestFixture.WASMEDGE_UDP_CLIENT.bytes(),
                  mode,
                  clientPolicy,
                  network.clientTransport(),
                  network.serverName(),
                  "" + port,
                  "" + DATAGRAMS);

          String from = "from " + network.serverAddress() + ":" + port + ": ";
          assertThat(client.stderr()).as(mode.name()).isEmpty();
          assertThat(client.stdout())
              .as(mode.name())
              .isEqualTo(
                  from
                      + "datagram 0\n"
                      + from
                      + "datagram 1\n"
                      + from
                      + "datagram 2\nreceived 3\n");
          assertThat(client.exitCode()).isZero();
          Result echoed = echo.join();
          assertThat(echoed.stdout()).isEqualTo("echoed " + DATAGRAMS + "\n");
          assertThat(echoed.exitCode()).isZero();
        }
      }
    }
  }

  /**
   * A name nobody has is ENOENT from sock_getaddrinfo on the virtual network: no lookup leaves it.
   */
  @ParameterizedTest
  @EnumSource(Mode.class)
  void aNameNoMemberHasIsEaiNoname(Mode mode) throws Exception {
    try (ScenarioNetwork network = Kind.VIRTUAL.open()) {
      Result client =
          GuestRun.run(
              GuestFixture.WASMEDGE_UDP_CLIENT.bytes(),
              mode,
              NetworkPolicy.builder().allowLookup().build(),
              network.clientTransport(),
              "nobody.invalid",
              "53",
              "1");

      assertThat(client.stderr()).isEqualTo("sock_getaddrinfo failed: errno 84\n");
      assertThat(client.exitCode()).isEqualTo(84);
    }
  }
}
