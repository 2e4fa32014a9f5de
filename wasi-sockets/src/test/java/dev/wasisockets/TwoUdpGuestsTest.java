package dev.wasisockets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.GuestRun.Mode;
import dev.wasisockets.GuestRun.Result;
import dev.wasisockets.GuestRun.Server;
import dev.wasisockets.ScenarioNetwork.Datagram;
import dev.wasisockets.ScenarioNetwork.DatagramMember;
import dev.wasisockets.ScenarioNetwork.Kind;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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
   * The UDP echo guest and a Java member: each datagram comes back from the guest's address and
   * port, and one of 65,507 bytes (UDP's most over IPv4) comes back cut to the guest's 2,048-byte
   * buffer, the rest lost as recvfrom truncates.
   */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void theUdpEchoGuestEchoesAJavaMembersDatagrams(Kind kind) throws Exception {
    byte[] big = new byte[65_507];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) (i * 7 + 1);
    }
    try (ScenarioNetwork network = kind.open();
        DatagramMember member = network.openUdp()) {
      int port = network.freeUdpPort();
      NetworkPolicy policy =
          NetworkPolicy.builder()
              .allow(NetworkUse.BIND, network.serverAddress() + ":" + port)
              .allow(NetworkUse.UDP_SEND, network.clientAddress())
              .build();
      try (Server echo =
          GuestRun.start(
              GuestFixture.WASMEDGE_UDP_ECHO.bytes(),
              Mode.COMPILER,
              policy,
              network.serverTransport(),
              network.serverAddress(),
              "" + port,
              "3")) {
        assertThat(ScenarioNetwork.waitsToReceive(echo.thread())).isTrue();
        InetSocketAddress guest =
            new InetSocketAddress(InetAddress.getByName(network.serverAddress()), port);
        for (String text : new String[] {"first", "second"}) {
          member.send(text.getBytes(StandardCharsets.UTF_8), guest);
          Datagram reply = member.receive(100);
          assertThat(reply.source()).isEqualTo(guest);
          assertThat(new String(reply.payload(), StandardCharsets.UTF_8)).isEqualTo(text);
        }
        member.send(big, guest);
        Datagram reply = member.receive(64 * 1024);
        assertThat(reply.source()).isEqualTo(guest);
        assertThat(reply.payload()).isEqualTo(Arrays.copyOf(big, 2048));

        Result result = echo.join();
        assertThat(result.stdout()).isEqualTo("echoed 3\n");
        assertThat(result.exitCode()).isZero();
      }
    }
  }

  /**
   * A name no member has is WasmEdge's EAI_NONAME (84) from sock_getaddrinfo on the virtual
   * network, at once: no lookup leaves it (on loopback the OS's resolver would be asked).
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
