package dev.wasisockets.abi;

import static dev.wasisockets.abi.RawAbiGuest.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * IPv6 sockets of the WasmEdge extension on ::1, and IPv6 sockets on the wildcard address taking
 * IPv4 peers too (dual stack), against real loopback peers.
 */
@Timeout(30)
class Ipv6AndDualStackTest {
  private static final int INET6 = 2;
  private static final int DGRAM = 1;
  private static final int TAG_INET4 = 1;
  private static final int TAG_INET6 = 2;
  private static final int TAGGED = 256;
  private static final int TAGGED_DESCRIPTOR = 400;
  private static final int PORT_OUT = 408;
  private static final InetAddress IPV4_LOOPBACK = InetAddress.getLoopbackAddress();
  private static final InetAddress IPV6_LOOPBACK = address("::1");

  @Test
  void anIpv6ListenerAcceptsOnLoopbackAndReportsBothAddresses() throws IOException {
    try (RawAbiGuest guest = guest(NetworkPolicy.builder().allow(NetworkUse.BIND, "::1"))) {
      int listener = open(guest, STREAM);
      ipv6Descriptor(guest, IPV6_LOOPBACK);
      assertThat(guest.call("sock_bind", listener, ADDRESS_DESCRIPTOR, 0)).isZero();
      assertThat(guest.call("sock_listen", listener, 8)).isZero();
      InetSocketAddress local = address(guest, "sock_getlocaladdr", listener);
      assertThat(local.getAddress()).isEqualTo(IPV6_LOOPBACK);

      try (Socket client = new Socket(IPV6_LOOPBACK, local.getPort())) {
        assertThat(guest.call("sock_accept", listener, 0, FD_OUT)).isZero();
        int accepted = guest.memory().readInt(FD_OUT);
        InetSocketAddress peer = address(guest, "sock_getpeeraddr", accepted);
        assertThat(guest.memory().readShort(TAGGED)).isEqualTo((short) TAG_INET6);
        assertThat(peer).isEqualTo(client.getLocalSocketAddress());

        client.getOutputStream().write("over v6".getBytes(StandardCharsets.US_ASCII));
        assertThat(receive(guest, accepted, 7)).isEqualTo("over v6");
        send(guest, accepted, "back");
        assertThat(new String(client.getInputStream().readNBytes(4), StandardCharsets.US_ASCII))
            .isEqualTo("back");
      }
    }
  }

  @Test
  void anIpv6UdpSocketExchangesDatagramsOnLoopback() throws IOException {
    try (DatagramChannel peer = DatagramChannel.open(StandardProtocolFamily.INET6)) {
      peer.bind(new InetSocketAddress(IPV6_LOOPBACK, 0));
      int peerPort = ((InetSocketAddress) peer.getLocalAddress()).getPort();
      try (RawAbiGuest guest =
          guest(
              NetworkPolicy.builder()
                  .allow(NetworkUse.BIND, "::1")
                  .allow(NetworkUse.UDP_SEND, "[::1]:" + peerPort))) {
        int fd = open(guest, DGRAM);
        ipv6Descriptor(guest, IPV6_LOOPBACK);
        assertThat(guest.call("sock_bind", fd, ADDRESS_DESCRIPTOR, 0)).isZero();
        InetSocketAddress local = address(guest, "sock_getlocaladdr", fd);

        peer.send(ascii("v6 datagram"), local);
        InetSocketAddress source = receiveFrom(guest, fd);
        assertThat(guest.data(guest.memory().readInt(COUNT_OUT))).isEqualTo("v6 datagram");
        assertThat(guest.memory().readShort(TAGGED)).isEqualTo((short) TAG_INET6);
        assertThat(source).isEqualTo(new InetSocketAddress(IPV6_LOOPBACK, peerPort));

        sendTo(guest, fd, "reply", IPV6_LOOPBACK, peerPort);
        ByteBuffer got = ByteBuffer.allocate(64);
        assertThat(peer.receive(got)).isEqualTo(local);
        assertThat(text(got)).isEqualTo("reply");
      }
    }
  }

  @Test
  void anIpv6ListenerOnTheWildcardAddressAcceptsIpv4AndIpv6Clients() throws IOException {
    try (RawAbiGuest guest = guest(NetworkPolicy.builder().allow(NetworkUse.BIND, "::"))) {
      int listener = open(guest, STREAM);
      ipv6Descriptor(guest, address("::"));
      assertThat(guest.call("sock_bind", listener, ADDRESS_DESCRIPTOR, 0)).isZero();
      assertThat(guest.call("sock_listen", listener, 8)).isZero();
      int port = address(guest, "sock_getlocaladdr", listener).getPort();

      try (Socket v4 = new Socket(IPV4_LOOPBACK, port);
          Socket v6 = new Socket(IPV6_LOOPBACK, port)) {
        for (Socket client : new Socket[] {v4, v6}) {
          assertThat(guest.call("sock_accept", listener, 0, FD_OUT)).isZero();
          int accepted = guest.memory().readInt(FD_OUT);
          InetSocketAddress peer = address(guest, "sock_getpeeraddr", accepted);
          // An IPv4 peer of an IPv6 socket is reported as IPv4, not as ::ffff:127.0.0.1.
          assertThat(guest.memory().readShort(TAGGED))
              .isEqualTo((short) (client == v4 ? TAG_INET4 : TAG_INET6));
          assertThat(peer).isIn(v4.getLocalSocketAddress(), v6.getLocalSocketAddress());
          send(guest, accepted, "hello " + (client == v4 ? "v4" : "v6"));
        }
        assertThat(new String(v4.getInputStream().readNBytes(8), StandardCharsets.US_ASCII))
            .isEqualTo("hello v4");
        assertThat(new String(v6.getInputStream().readNBytes(8), StandardCharsets.US_ASCII))
            .isEqualTo("hello v6");
      }
    }
  }

  @Test
  void anIpv6SocketConnectsToAnIpv4Peer() throws IOException {
    try (RawAbiGuest guest = guest(NetworkPolicy.builder())) {
      int fd = open(guest, STREAM);
      try (Socket peer = guest.connectToPeer(fd)) { // a 4-byte address: 127.0.0.1
        send(guest, fd, "dual");
        assertThat(new String(peer.getInputStream().readNBytes(4), StandardCharsets.US_ASCII))
            .isEqualTo("dual");
        assertThat(address(guest, "sock_getpeeraddr", fd))
            .isEqualTo(new InetSocketAddress(IPV4_LOOPBACK, guest.peerPort()));
        assertThat(guest.memory().readShort(TAGGED)).isEqualTo((short) TAG_INET4);
      }
    }
  }

  @Test
  void anIpv6UdpSocketOnTheWildcardAddressExchangesDatagramsWithIpv4() throws IOException {
    try (DatagramChannel peer = DatagramChannel.open(StandardProtocolFamily.INET)) {
      peer.bind(new InetSocketAddress(IPV4_LOOPBACK, 0));
      int peerPort = ((InetSocketAddress) peer.getLocalAddress()).getPort();
      try (RawAbiGuest guest =
          guest(
              NetworkPolicy.builder()
                  .allow(NetworkUse.BIND, "::")
                  .allow(NetworkUse.UDP_SEND, "127.0.0.1:" + peerPort))) {
        int fd = open(guest, DGRAM);
        ipv6Descriptor(guest, address("::"));
        assertThat(guest.call("sock_bind", fd, ADDRESS_DESCRIPTOR, 0)).isZero();
        int port = address(guest, "sock_getlocaladdr", fd).getPort();

        peer.send(ascii("from v4"), new InetSocketAddress(IPV4_LOOPBACK, port));
        InetSocketAddress source = receiveFrom(guest, fd);
        assertThat(guest.data(guest.memory().readInt(COUNT_OUT))).isEqualTo("from v4");
        assertThat(guest.memory().readShort(TAGGED)).isEqualTo((short) TAG_INET4);
        assertThat(source).isEqualTo(new InetSocketAddress(IPV4_LOOPBACK, peerPort));

        sendTo(guest, fd, "to v4", IPV4_LOOPBACK, peerPort);
        ByteBuffer got = ByteBuffer.allocate(64);
        assertThat(((InetSocketAddress) peer.receive(got)).getPort()).isEqualTo(port);
        assertThat(text(got)).isEqualTo("to v4");
      }
    }
  }

  private static RawAbiGuest guest(NetworkPolicy.Builder grants) throws IOException {
    return new RawAbiGuest(false, RawAbiGuest.MODULE, grants);
  }

  private static int open(RawAbiGuest guest, int type) {
    assertThat(guest.call("sock_open", INET6, type, FD_OUT)).isZero();
    return guest.memory().readInt(FD_OUT);
  }

  /** A 16-byte address descriptor for {@code address} (IPv6). */
  private static void ipv6Descriptor(RawAbiGuest guest, InetAddress address) {
    byte[] raw = address.getAddress();
    assertThat(address).isInstanceOf(Inet6Address.class);
    guest.memory().write(ADDRESS_BYTES, raw);
    guest.addressDescriptor(ADDRESS_BYTES, 16);
  }

  /** V2 {@code sock_getlocaladdr}/{@code sock_getpeeraddr}, read back from the tagged buffer. */
  private static InetSocketAddress address(RawAbiGuest guest, String function, int fd)
      throws IOException {
    guest.memory().writeI32(TAGGED_DESCRIPTOR, TAGGED);
    guest.memory().writeI32(TAGGED_DESCRIPTOR + 4, 128);
    assertThat(guest.call(function, fd, TAGGED_DESCRIPTOR, PORT_OUT)).isZero();
    return tagged(guest);
  }

  private static InetSocketAddress tagged(RawAbiGuest guest) throws IOException {
    int family = guest.memory().readShort(TAGGED);
    byte[] raw = guest.memory().readBytes(TAGGED + 2, family == TAG_INET4 ? 4 : 16);
    return new InetSocketAddress(InetAddress.getByAddress(raw), guest.memory().readInt(PORT_OUT));
  }

  private static InetSocketAddress receiveFrom(RawAbiGuest guest, int fd) throws IOException {
    guest.iovec(IOVEC, DATA, 64);
    guest.memory().writeI32(TAGGED_DESCRIPTOR, TAGGED);
    guest.memory().writeI32(TAGGED_DESCRIPTOR + 4, 128);
    assertThat(
            guest.call(
                "sock_recv_from",
                fd,
                IOVEC,
                1,
                TAGGED_DESCRIPTOR,
                0,
                PORT_OUT,
                COUNT_OUT,
                FLAGS_OUT))
        .isZero();
    return tagged(guest);
  }

  private static void sendTo(RawAbiGuest guest, int fd, String text, InetAddress to, int port) {
    byte[] raw = to.getAddress();
    guest.memory().write(ADDRESS_BYTES, raw);
    guest.addressDescriptor(ADDRESS_BYTES, raw.length);
    guest.memory().write(DATA, text.getBytes(StandardCharsets.US_ASCII));
    guest.iovec(IOVEC, DATA, text.length());
    assertThat(guest.call("sock_send_to", fd, IOVEC, 1, ADDRESS_DESCRIPTOR, port, 0, COUNT_OUT))
        .isZero();
  }

  private static void send(RawAbiGuest guest, int fd, String text) {
    guest.memory().write(DATA, text.getBytes(StandardCharsets.US_ASCII));
    guest.iovec(IOVEC, DATA, text.length());
    assertThat(guest.call("sock_send", fd, IOVEC, 1, 0, COUNT_OUT)).isZero();
    assertThat(guest.memory().readInt(COUNT_OUT)).isEqualTo(text.length());
  }

  private static String receive(RawAbiGuest guest, int fd, int length) {
    guest.iovec(IOVEC, DATA, length);
    assertThat(guest.call("sock_recv", fd, IOVEC, 1, RECV_WAITALL, COUNT_OUT, FLAGS_OUT)).isZero();
    return guest.data(guest.memory().readInt(COUNT_OUT));
  }

  private static ByteBuffer ascii(String text) {
    return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
  }

  private static String text(ByteBuffer received) {
    received.flip();
    return StandardCharsets.US_ASCII.decode(received).toString();
  }

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
