package dev.wasisockets.abi;

import static dev.wasisockets.abi.RawAbiGuest.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.transport.virtual.VirtualDatagramSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A guest's UDP socket through the preview1 calls on a virtual network, its peers Java members of
 * the same host: what {@link DatagramSocketTest} checks on the OS's loopback.
 */
@Timeout(30)
class VirtualDatagramSocketTest {
  private static final int DGRAM = 1;
  private static final int NONBLOCK = 4;
  private static final InetSocketAddress ANY_LOOPBACK_PORT =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

  @Test
  void aConnectedSocketHearsOnlyItsPeerAndALongDatagramIsCutAndFlagged() throws IOException {
    NetworkPolicy.Builder grants = NetworkPolicy.builder().allow(NetworkUse.UDP_SEND, "127.0.0.1");
    try (RawAbiGuest guest =
            new RawAbiGuest(false, MODULE, grants, MemoryKind.DIRECT, null, Network.VIRTUAL);
        VirtualDatagramSocket peer = guest.virtualHost().openUdp(ANY_LOOPBACK_PORT);
        VirtualDatagramSocket stranger = guest.virtualHost().openUdp(ANY_LOOPBACK_PORT)) {
      assertThat(guest.call("sock_open", INET4, DGRAM, FD_OUT)).isZero();
      int fd = guest.memory().readInt(FD_OUT);
      guest.memory().write(ADDRESS_BYTES, new byte[] {127, 0, 0, 1});
      guest.addressDescriptor(ADDRESS_BYTES, 4);
      assertThat(guest.call("sock_connect", fd, ADDRESS_DESCRIPTOR, peer.localAddress().getPort()))
          .isZero();

      guest.memory().write(DATA, "ping".getBytes(StandardCharsets.US_ASCII));
      guest.iovec(IOVEC, DATA, 4);
      assertThat(guest.call("sock_send", fd, IOVEC, 1, 0, COUNT_OUT)).isZero();
      ByteBuffer got = ByteBuffer.allocate(64);
      InetSocketAddress guestAddress = peer.receive(got, Duration.ofSeconds(10));
      assertThat(new String(got.array(), 0, got.position(), StandardCharsets.US_ASCII))
          .isEqualTo("ping");
      assertThat(guestAddress.getAddress()).isEqualTo(InetAddress.getLoopbackAddress());

      stranger.send(ascii("stray"), guestAddress); // not the peer: dropped
      peer.send(ascii("0123456789abcdefghij"), guestAddress);
      peer.send(ascii("next"), guestAddress);

      assertThat(receive(guest, fd, 10)).isEqualTo("0123456789");
      assertThat(guest.memory().readShort(FLAGS_OUT))
          .as("RECV_DATA_TRUNCATED")
          .isEqualTo((short) 1);
      assertThat(receive(guest, fd, 64)).as("the next datagram, whole").isEqualTo("next");
      assertThat(guest.memory().readShort(FLAGS_OUT)).isZero();
      assertThat(guest.call("fd_fdstat_set_flags", fd, NONBLOCK)).isZero();
      guest.iovec(IOVEC, DATA, 64);
      assertThat(guest.call("sock_recv", fd, IOVEC, 1, 0, COUNT_OUT, FLAGS_OUT))
          .as("the stranger's datagram never arrived")
          .isEqualTo(EAGAIN);
    }
  }

  /** One {@code sock_recv} into a buffer of {@code capacity}; what arrived. */
  private static String receive(RawAbiGuest guest, int fd, int capacity) {
    guest.iovec(IOVEC, DATA, capacity);
    assertThat(guest.call("sock_recv", fd, IOVEC, 1, 0, COUNT_OUT, FLAGS_OUT)).isZero();
    return guest.data(guest.memory().readInt(COUNT_OUT));
  }

  private static ByteBuffer ascii(String text) {
    return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
  }
}
