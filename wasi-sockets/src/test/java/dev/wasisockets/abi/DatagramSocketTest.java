package dev.wasisockets.abi;

import static dev.wasisockets.abi.RawAbiGuest.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** UDP sockets of the WasmEdge extension, called directly, against real loopback peers. */
@Timeout(30)
class DatagramSocketTest {
  private static final int DGRAM = 1;
  private static final int NONBLOCK = 4;
  private static final int SOL_SOCKET = 0;
  private static final int SO_RCVTIMEO = 11;
  private static final int TAGGED = 256; // a 128-byte tagged address buffer
  private static final int TAGGED_DESCRIPTOR = 400;
  private static final int PORT_OUT = 408;
  private static final int VALUE = 416;

  @Test
  void aReceiveOnASocketNeverBoundFindsNothingAndLeavesItUnboundForBind() throws IOException {
    try (RawAbiGuest guest = guestAllowedToBind();
        DatagramChannel peer = loopbackPeer()) {
      int fd = openUdp(guest);
      assertThat(guest.call("fd_fdstat_set_flags", fd, NONBLOCK)).isZero();
      guest.iovec(IOVEC, DATA, 64);
      taggedDescriptor(guest);

      // Linux binds a UDP socket on its first send, never on a receive: nothing can arrive.
      assertThat(receiveFrom(guest, fd)).isEqualTo(EAGAIN);
      assertThat(guest.call("fd_read", fd, IOVEC, 1, COUNT_OUT)).isEqualTo(EAGAIN);
      assertThat(guest.call("sock_recv", fd, IOVEC, 1, 0, COUNT_OUT, FLAGS_OUT)).isEqualTo(EAGAIN);
      assertThat(localPort(guest, fd)).as("still unbound").isZero();

      loopbackDescriptor(guest);
      assertThat(guest.call("sock_bind", fd, ADDRESS_DESCRIPTOR, 0)).isZero();
      int port = localPort(guest, fd);
      assertThat(port).isPositive();
      assertThat(guest.call("sock_bind", fd, ADDRESS_DESCRIPTOR, 0))
          .as("bound already")
          .isEqualTo(EINVAL);

      peer.send(ascii("after bind"), new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      assertThat(guest.call("fd_fdstat_set_flags", fd, 0)).isZero();
      assertThat(receiveFrom(guest, fd)).isZero();
      assertThat(guest.data(guest.memory().readInt(COUNT_OUT))).isEqualTo("after bind");
      assertThat(guest.memory().readInt(PORT_OUT))
          .isEqualTo(((InetSocketAddress) peer.getLocalAddress()).getPort());
    }
  }

  @Test
  void aBlockingReceiveOnASocketNeverBoundEndsWithItsTimeoutAndPollNeverFindsItReadable()
      throws IOException {
    try (RawAbiGuest guest = guestAllowedToBind()) {
      int fd = openUdp(guest);
      guest.memory().writeLong(VALUE, 0); // struct timeval: 20 ms
      guest.memory().writeLong(VALUE + 8, 20_000);
      assertThat(guest.call("sock_setsockopt", fd, SOL_SOCKET, SO_RCVTIMEO, VALUE, 16)).isZero();
      guest.iovec(IOVEC, DATA, 64);

      assertThat(guest.call("sock_recv", fd, IOVEC, 1, 0, COUNT_OUT, FLAGS_OUT)).isEqualTo(EAGAIN);

      int subscriptions = 1024;
      guest.memory().writeLong(subscriptions, 1); // FD_READ on the socket
      guest.memory().writeByte(subscriptions + 8, (byte) 1);
      guest.memory().writeI32(subscriptions + 16, fd);
      guest.memory().writeLong(subscriptions + 48, 2); // a 10 ms relative MONOTONIC clock
      guest.memory().writeByte(subscriptions + 56, (byte) 0);
      guest.memory().writeI32(subscriptions + 64, 1);
      guest.memory().writeLong(subscriptions + 72, 10_000_000);
      guest.memory().writeLong(subscriptions + 80, 0);
      guest.memory().writeShort(subscriptions + 88, (short) 0);
      assertThat(guest.call("poll_oneoff", subscriptions, 2048, 2, 4000)).isZero();
      assertThat(guest.memory().readInt(4000)).isEqualTo(1);
      assertThat(guest.memory().readLong(2048)).as("the clock, not the socket").isEqualTo(2);

      assertThat(localPort(guest, fd)).as("still unbound").isZero();
      loopbackDescriptor(guest);
      assertThat(guest.call("sock_bind", fd, ADDRESS_DESCRIPTOR, 0)).isZero();
    }
  }

  static int openUdp(RawAbiGuest guest) {
    assertThat(guest.call("sock_open", INET4, DGRAM, FD_OUT)).isZero();
    return guest.memory().readInt(FD_OUT);
  }

  /** V2 {@code sock_recv_from} into the iovec at IOVEC, the sender into the tagged buffer. */
  private static int receiveFrom(RawAbiGuest guest, int fd) {
    return guest.call(
        "sock_recv_from", fd, IOVEC, 1, TAGGED_DESCRIPTOR, 0, PORT_OUT, COUNT_OUT, FLAGS_OUT);
  }

  private static int localPort(RawAbiGuest guest, int fd) {
    taggedDescriptor(guest);
    assertThat(guest.call("sock_getlocaladdr", fd, TAGGED_DESCRIPTOR, PORT_OUT)).isZero();
    return guest.memory().readInt(PORT_OUT);
  }

  private static void taggedDescriptor(RawAbiGuest guest) {
    guest.memory().writeI32(TAGGED_DESCRIPTOR, TAGGED);
    guest.memory().writeI32(TAGGED_DESCRIPTOR + 4, 128);
  }

  private static void loopbackDescriptor(RawAbiGuest guest) {
    guest.memory().write(ADDRESS_BYTES, new byte[] {127, 0, 0, 1});
    guest.addressDescriptor(ADDRESS_BYTES, 4);
  }

  private static RawAbiGuest guestAllowedToBind() throws IOException {
    return new RawAbiGuest(
        false, RawAbiGuest.MODULE, NetworkPolicy.builder().allow(NetworkUse.BIND, "127.0.0.1"));
  }

  private static DatagramChannel loopbackPeer() throws IOException {
    DatagramChannel peer = DatagramChannel.open();
    peer.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    return peer;
  }

  private static ByteBuffer ascii(String text) {
    return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
  }
}
