package dev.wasisockets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.GuestRun.Mode;
import dev.wasisockets.GuestRun.Result;
import dev.wasisockets.GuestRun.Server;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.transport.virtual.VirtualDatagramSocket;
import dev.wasisockets.transport.virtual.VirtualHost;
import dev.wasisockets.transport.virtual.VirtualNetwork;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The WasmEdge UDP echo guest on a {@link VirtualNetwork}, with a Java member as its client. */
@Timeout(60)
class VirtualNetworkUdpGuestsTest {
  private static final int PORT = 5300;

  private final VirtualNetwork network = VirtualNetwork.create();
  private final VirtualHost service = network.host("service");
  private final VirtualHost app = network.host("app");

  /**
   * The echo guest sends back each datagram to its source: the bytes come back from the guest's
   * address and port, and a datagram of 65,507 bytes (the most) comes back cut to the guest's
   * 2,048-byte buffer, the rest lost as recvfrom truncates.
   */
  @ParameterizedTest
  @EnumSource(Mode.class)
  void theUdpEchoGuestEchoesAJavaMembersDatagrams(Mode mode) throws Exception {
    NetworkPolicy policy =
        NetworkPolicy.builder()
            .allow(NetworkUse.BIND, "0.0.0.0:" + PORT)
            .allow(NetworkUse.UDP_SEND, "10.0.0.2")
            .build();
    byte[] big = new byte[VirtualDatagramSocket.MAX_PAYLOAD];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) (i * 7 + 1);
    }
    try (Server guest =
            GuestRun.start(
                GuestFixture.WASMEDGE_UDP_ECHO.bytes(),
                mode,
                policy,
                service.newTransport(),
                "0.0.0.0",
                "" + PORT,
                "3");
        VirtualDatagramSocket member = app.openUdp(new InetSocketAddress("10.0.0.2", 0))) {
      // Parked in poll_oneoff: bound and waiting for the first datagram, so none is lost.
      assertThat(VirtualNetworkGuestsTest.parkedOnTheNetwork(guest.thread())).isTrue();
      InetSocketAddress echo = new InetSocketAddress("10.0.0.1", PORT);
      for (String text : new String[] {"first", "second"}) {
        member.send(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), echo);
        ByteBuffer reply = ByteBuffer.allocate(100);
        assertThat(member.receive(reply, Duration.ofSeconds(30))).isEqualTo(echo);
        assertThat(new String(reply.array(), 0, reply.position(), StandardCharsets.UTF_8))
            .isEqualTo(text);
      }
      member.send(ByteBuffer.wrap(big), echo);
      ByteBuffer reply = ByteBuffer.allocate(64 * 1024);
      assertThat(member.receive(reply, Duration.ofSeconds(30))).isEqualTo(echo);
      assertThat(Arrays.copyOf(reply.array(), reply.position()))
          .isEqualTo(Arrays.copyOf(big, 2048));

      Result result = guest.join();
      assertThat(result.stdout()).isEqualTo("echoed 3\n");
      assertThat(result.exitCode()).isZero();
    }
  }
}
