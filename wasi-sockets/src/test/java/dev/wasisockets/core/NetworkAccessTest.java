package dev.wasisockets.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasisockets.policy.Limits;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.transport.Transport;
import dev.wasisockets.transport.direct.DirectTransport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NetworkAccessTest {

  @Test
  void aBacklogIsCutDownToThePendingAcceptLimit() {
    NetworkAccess limited = access(new DirectTransport(), Limits.NONE.withMaxPendingAccepts(16));
    NetworkAccess unlimited = access(new DirectTransport(), Limits.NONE);

    assertThat(limited.backlog(128)).isEqualTo(16);
    assertThat(limited.backlog(0)).isEqualTo(16);
    assertThat(limited.backlog(4)).isEqualTo(4);
    assertThat(unlimited.backlog(128)).isEqualTo(128);
  }

  @Test
  void aLookupThatDoesNotAnswerInTimeIsEtimedout() throws Exception {
    BlockingResolver silent = new BlockingResolver(); // a resolver that does not answer
    try {
      NetworkAccess access = silent.access(Duration.ofMillis(100));

      assertThatThrownBy(() -> access.lookup("example.com"))
          .isInstanceOfSatisfying(
              ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ETIMEDOUT));
    } finally {
      silent.release();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"64:ff9b::7f00:1", "64:ff9b::a00:1", "2002:7f00:1::", "::7f00:1"})
  void aConnectOrSendToAnAddressCarryingADeniedIpv4AddressIsEacces(String literal)
      throws Exception {
    NetworkPolicy policy =
        NetworkPolicy.builder()
            .allow(NetworkUse.TCP_CONNECT, "*")
            .allow(NetworkUse.UDP_SEND, "*")
            .deny(NetworkUse.TCP_CONNECT, "loopback")
            .deny(NetworkUse.TCP_CONNECT, "private")
            .deny(NetworkUse.UDP_SEND, "loopback")
            .deny(NetworkUse.UDP_SEND, "private")
            .build();
    InetSocketAddress target = new InetSocketAddress(InetAddress.getByName(literal), 80);
    try (SocketContext context =
        new SocketContext(new DescriptorTable(3), new DirectTransport(), policy)) {
      TcpSocket tcp = context.tcp(context.openTcp(StandardProtocolFamily.INET6));
      UdpSocket udp = context.udp(context.openUdp(StandardProtocolFamily.INET6));

      assertThatThrownBy(() -> tcp.connect(target))
          .isInstanceOfSatisfying(
              ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EACCES));
      ByteBuffer[] datagram = {ByteBuffer.wrap(new byte[] {1, 2, 3})};
      assertThatThrownBy(() -> udp.sendTo(datagram, target))
          .isInstanceOfSatisfying(
              ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EACCES));
      assertThat(context.network().statistics().denied(NetworkUse.TCP_CONNECT)).isEqualTo(1);
      assertThat(context.network().statistics().denied(NetworkUse.UDP_SEND)).isEqualTo(1);
      assertThat(context.network().statistics().bytesSent()).isZero();
    }
  }

  private static NetworkAccess access(Transport transport, Limits limits) {
    return new NetworkAccess(transport, NetworkPolicy.builder().limits(limits).build());
  }
}
