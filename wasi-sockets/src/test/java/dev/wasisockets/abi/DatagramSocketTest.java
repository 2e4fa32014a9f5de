package dev.wasisockets.abi;

import static dev.wasisockets.abi.RawAbiGuest.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.LogCapture;
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
  private static final int EISCONN = 30;

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

  @Test
  void aConnectedSocketSendsAndReceivesThroughSockSendAndSockRecvWithItsPeerOnly()
      throws IOException {
    try (DatagramChannel peer = loopbackPeer();
        DatagramChannel stranger = loopbackPeer();
        RawAbiGuest guest = guestAllowedToSend(peer, stranger)) {
      int fd = openUdp(guest);
      connectTo(guest, fd, peer);
      int port = localPort(guest, fd);
      assertThat(port).as("connect binds a free port").isPositive();

      assertThat(send(guest, fd, "ping")).isZero();
      ByteBuffer got = ByteBuffer.allocate(64);
      InetSocketAddress from = (InetSocketAddress) peer.receive(got);
      assertThat(text(got)).isEqualTo("ping");
      assertThat(from.getPort()).isEqualTo(port);

      InetSocketAddress guestAddress =
          new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
      stranger.send(ascii("stray"), guestAddress); // not the peer: the OS drops it
      peer.send(ascii("pong"), guestAddress);
      assertThat(receive(guest, fd, 64)).isEqualTo("pong");
      assertThat(guest.memory().readShort(FLAGS_OUT)).as("roflags").isZero();
      assertThat(guest.call("fd_fdstat_set_flags", fd, NONBLOCK)).isZero();
      assertThat(guest.call("sock_recv", fd, IOVEC, 1, 0, COUNT_OUT, FLAGS_OUT))
          .as("the stranger's datagram never arrived")
          .isEqualTo(EAGAIN);
    }
  }

  @Test
  void aDatagramLongerThanTheBufferIsCutAndFlaggedAndTheRestIsGone() throws IOException {
    try (DatagramChannel peer = loopbackPeer();
        RawAbiGuest guest = guestAllowedToSend(peer)) {
      int fd = openUdp(guest);
      connectTo(guest, fd, peer);
      InetSocketAddress guestAddress =
          new InetSocketAddress(InetAddress.getLoopbackAddress(), localPort(guest, fd));
      peer.send(ascii("0123456789abcdefghij"), guestAddress);
      peer.send(ascii("next"), guestAddress);

      assertThat(receive(guest, fd, 10)).isEqualTo("0123456789");
      assertThat(guest.memory().readShort(FLAGS_OUT))
          .as("RECV_DATA_TRUNCATED")
          .isEqualTo((short) 1);
      assertThat(receive(guest, fd, 64)).as("the next datagram, whole").isEqualTo("next");
      assertThat(guest.memory().readShort(FLAGS_OUT)).isZero();
    }
  }

  @Test
  void aSecondConnectReplacesThePeerAndSendToElsewhereWhileConnectedIsEisconn() throws IOException {
    try (DatagramChannel first = loopbackPeer();
        DatagramChannel second = loopbackPeer();
        RawAbiGuest guest = guestAllowedToSend(first, second)) {
      int fd = openUdp(guest);
      connectTo(guest, fd, first);
      int port = localPort(guest, fd);
      connectTo(guest, fd, second);
      assertThat(localPort(guest, fd)).as("same local port").isEqualTo(port);

      assertThat(send(guest, fd, "to second")).isZero();
      ByteBuffer got = ByteBuffer.allocate(64);
      second.receive(got);
      assertThat(text(got)).isEqualTo("to second");

      guest.memory().write(DATA, "elsewhere".getBytes(StandardCharsets.US_ASCII));
      guest.iovec(IOVEC, DATA, 9);
      assertThat(
              guest.call(
                  "sock_send_to", fd, IOVEC, 1, ADDRESS_DESCRIPTOR, portOf(first), 0, COUNT_OUT))
          .isEqualTo(EISCONN);
      first.configureBlocking(false);
      assertThat(first.receive(ByteBuffer.allocate(64))).as("nothing sent").isNull();
    }
  }

  @Test
  void sendToAnAddressNotAllowedIsEaccesSendsNothingAndLogsTheRule() throws IOException {
    try (DatagramChannel allowed = loopbackPeer();
        DatagramChannel other = loopbackPeer();
        RawAbiGuest guest = guestAllowedToSend(allowed);
        LogCapture log = new LogCapture(NetworkPolicy.class.getName())) {
      int fd = openUdp(guest);
      loopbackDescriptor(guest);
      guest.memory().write(DATA, "secret".getBytes(StandardCharsets.US_ASCII));
      guest.iovec(IOVEC, DATA, 6);

      assertThat(
              guest.call(
                  "sock_send_to", fd, IOVEC, 1, ADDRESS_DESCRIPTOR, portOf(other), 0, COUNT_OUT))
          .isEqualTo(EACCES);
      // Loopback delivers a datagram within the sending call: had it gone, it would be here.
      other.configureBlocking(false);
      assertThat(other.receive(ByteBuffer.allocate(64))).isNull();
      assertThat(guest.statistics().bytesSent()).isZero();
      String denied = "127.0.0.1:" + portOf(other);
      assertThat(log.lines())
          .anySatisfy(line -> assertThat(line).contains(denied).contains("(rule: "));

      assertThat(
              guest.call(
                  "sock_send_to", fd, IOVEC, 1, ADDRESS_DESCRIPTOR, portOf(allowed), 0, COUNT_OUT))
          .isZero();
      ByteBuffer got = ByteBuffer.allocate(64);
      allowed.receive(got);
      assertThat(text(got)).isEqualTo("secret");
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

  private static void connectTo(RawAbiGuest guest, int fd, DatagramChannel peer)
      throws IOException {
    loopbackDescriptor(guest);
    assertThat(guest.call("sock_connect", fd, ADDRESS_DESCRIPTOR, portOf(peer))).isZero();
  }

  private static int send(RawAbiGuest guest, int fd, String text) {
    guest.memory().write(DATA, text.getBytes(StandardCharsets.US_ASCII));
    guest.iovec(IOVEC, DATA, text.length());
    return guest.call("sock_send", fd, IOVEC, 1, 0, COUNT_OUT);
  }

  /** One {@code sock_recv} into a buffer of {@code capacity}; what arrived. */
  private static String receive(RawAbiGuest guest, int fd, int capacity) {
    guest.iovec(IOVEC, DATA, capacity);
    assertThat(guest.call("sock_recv", fd, IOVEC, 1, 0, COUNT_OUT, FLAGS_OUT)).isZero();
    return guest.data(guest.memory().readInt(COUNT_OUT));
  }

  private static int portOf(DatagramChannel channel) throws IOException {
    return ((InetSocketAddress) channel.getLocalAddress()).getPort();
  }

  private static String text(ByteBuffer received) {
    received.flip();
    return StandardCharsets.US_ASCII.decode(received).toString();
  }

  /** A guest that may send to each of {@code peers} and to nothing else. */
  private static RawAbiGuest guestAllowedToSend(DatagramChannel... peers) throws IOException {
    NetworkPolicy.Builder grants = NetworkPolicy.builder();
    for (DatagramChannel peer : peers) {
      grants.allow(NetworkUse.UDP_SEND, "127.0.0.1:" + portOf(peer));
    }
    return new RawAbiGuest(false, RawAbiGuest.MODULE, grants);
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
