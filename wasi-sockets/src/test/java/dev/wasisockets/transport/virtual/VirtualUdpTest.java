package dev.wasisockets.transport.virtual;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasisockets.transport.AddressInUseException;
import dev.wasisockets.transport.Readiness;
import dev.wasisockets.transport.ReadinessSet;
import dev.wasisockets.transport.Transport;
import dev.wasisockets.transport.UdpChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.NotYetConnectedException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A guest's UDP sockets on the virtual network as the core drives them, against Java members. */
@Timeout(30)
class VirtualUdpTest {
  private static final InetAddress ANY4 = address("0.0.0.0");
  private static final InetAddress LOOPBACK4 = address("127.0.0.1");
  private static final InetAddress SERVER4 = address("10.0.0.1");
  private static final InetAddress CLIENT4 = address("10.0.0.2");

  private final VirtualNetwork network = VirtualNetwork.create();
  private final VirtualHost server = network.host("server");
  private final VirtualHost client = network.host("client");
  private final Transport guest = client.newTransport();

  @AfterEach
  void closeGuest() throws IOException {
    guest.close();
  }

  @Test
  void aDatagramCarriesItsBytesAndSourceBothWays() throws Exception {
    try (VirtualDatagramSocket member = server.openUdp(new InetSocketAddress(ANY4, 5353))) {
      UdpChannel socket = guest.openUdp(StandardProtocolFamily.INET);
      // An unbound socket takes an ephemeral port on its first send, as on Linux.
      assertThat(socket.send(bytes("query"), new InetSocketAddress(SERVER4, 5353))).isEqualTo(5);
      InetSocketAddress guestAt = socket.localAddress();
      assertThat(guestAt.getPort()).isEqualTo(VirtualHost.FIRST_EPHEMERAL);

      ByteBuffer in = ByteBuffer.allocate(100);
      InetSocketAddress from = member.receive(in, Duration.ofSeconds(10));
      assertThat(from).isEqualTo(new InetSocketAddress(CLIENT4, guestAt.getPort()));
      assertThat(text(in)).isEqualTo("query");

      member.send(bytes("answer"), from);
      ByteBuffer reply = ByteBuffer.allocate(100);
      assertThat(socket.receive(reply)).isEqualTo(new InetSocketAddress(SERVER4, 5353));
      assertThat(text(reply)).isEqualTo("answer");
      assertThat(socket.receive(ByteBuffer.allocate(100))).isNull(); // nothing more: EAGAIN
    }
  }

  @Test
  void aDatagramOfTheMostAUdpPayloadHoldsArrivesWholeAndASmallBufferTruncatesIt() throws Exception {
    UdpChannel socket = guest.openUdp(StandardProtocolFamily.INET);
    socket.bind(new InetSocketAddress(LOOPBACK4, 9000));
    byte[] big = new byte[VirtualDatagramSocket.MAX_PAYLOAD];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) (i * 31);
    }
    try (VirtualDatagramSocket member = client.openUdp(new InetSocketAddress(LOOPBACK4, 0))) {
      member.send(ByteBuffer.wrap(big), new InetSocketAddress(LOOPBACK4, 9000));
      member.send(ByteBuffer.wrap(big), new InetSocketAddress(LOOPBACK4, 9000));
      assertThatThrownBy(
              () ->
                  member.send(
                      ByteBuffer.allocate(big.length + 1), new InetSocketAddress(LOOPBACK4, 9000)))
          .hasMessage("Message too long");

      ByteBuffer whole = ByteBuffer.allocate(64 * 1024);
      assertThat(socket.receive(whole)).isEqualTo(member.localAddress());
      whole.flip();
      byte[] got = new byte[whole.remaining()];
      whole.get(got);
      assertThat(got).isEqualTo(big);

      ByteBuffer small = ByteBuffer.allocate(10);
      assertThat(socket.receive(small)).isEqualTo(member.localAddress());
      assertThat(small.position()).isEqualTo(10); // the rest is lost, as recvfrom truncates
      assertThat(socket.receive(ByteBuffer.allocate(10))).isNull();
    }
  }

  @Test
  void aConnectedSocketReceivesOnlyFromItsPeerAndSendsThereByDefault() throws Exception {
    try (VirtualDatagramSocket peer = server.openUdp(new InetSocketAddress(SERVER4, 7000));
        VirtualDatagramSocket stranger = server.openUdp(new InetSocketAddress(SERVER4, 7001))) {
      UdpChannel socket = guest.openUdp(StandardProtocolFamily.INET);
      socket.connect(new InetSocketAddress(SERVER4, 7000));
      assertThat(socket.remoteAddress()).isEqualTo(new InetSocketAddress(SERVER4, 7000));
      InetSocketAddress guestAt = new InetSocketAddress(CLIENT4, socket.localAddress().getPort());

      stranger.send(bytes("not for you"), guestAt);
      peer.send(bytes("for you"), guestAt);
      ByteBuffer in = ByteBuffer.allocate(100);
      assertThat(socket.receive(in)).isEqualTo(new InetSocketAddress(SERVER4, 7000));
      assertThat(text(in)).isEqualTo("for you");
      assertThat(socket.receive(ByteBuffer.allocate(100))).isNull();
    }
  }

  /**
   * A socket that does not receive: its queue takes datagrams up to its bound, later ones are
   * dropped, and the sender never waits for room or hears of the loss, as UDP.
   */
  @Test
  void aFullQueueDropsDatagramsWithoutHoldingTheSenderBack() throws Exception {
    UdpChannel socket = guest.openUdp(StandardProtocolFamily.INET);
    socket.bind(new InetSocketAddress(ANY4, 9100));
    int size = 1000;
    int fits = DatagramQueue.DEFAULT_CAPACITY / (size + DatagramQueue.OVERHEAD);
    try (VirtualDatagramSocket member = server.openUdp(new InetSocketAddress(ANY4, 0))) {
      for (int i = 0; i < fits + 50; i++) {
        ByteBuffer datagram = ByteBuffer.allocate(size);
        datagram.putInt(0, i);
        member.send(datagram, new InetSocketAddress(CLIENT4, 9100));
      }
    }
    int received = 0;
    ByteBuffer in = ByteBuffer.allocate(2 * size);
    while (socket.receive(in.clear()) != null) {
      assertThat(in.position()).isEqualTo(size);
      assertThat(in.getInt(0)).isEqualTo(received); // the oldest ones, in order
      received++;
    }
    assertThat(received).isEqualTo(fits);
  }

  @Test
  void aDatagramToAPortNobodyHasBoundIsDroppedAndTheSendStillSucceeds() throws Exception {
    UdpChannel socket = guest.openUdp(StandardProtocolFamily.INET);
    assertThat(socket.send(bytes("lost"), new InetSocketAddress(SERVER4, 4444))).isEqualTo(4);
    assertThat(socket.send(bytes("lost"), new InetSocketAddress(address("10.9.9.9"), 4444)))
        .isEqualTo(4);
    try (VirtualDatagramSocket member = server.openUdp(new InetSocketAddress(ANY4, 4444))) {
      assertThatThrownBy(() -> member.receive(ByteBuffer.allocate(10), Duration.ZERO))
          .isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void aSecondBindOfAUdpPortIsInUseButTcpHasItsOwnPorts() throws Exception {
    UdpChannel first = guest.openUdp(StandardProtocolFamily.INET6);
    first.bind(new InetSocketAddress(address("::"), 53));
    UdpChannel second = guest.openUdp(StandardProtocolFamily.INET);
    assertThatThrownBy(() -> second.bind(new InetSocketAddress(LOOPBACK4, 53)))
        .isInstanceOf(AddressInUseException.class);
    assertThatThrownBy(() -> second.bind(new InetSocketAddress(SERVER4, 53)))
        .hasMessage("Cannot assign requested address");
    guest.openTcp(StandardProtocolFamily.INET).bind(new InetSocketAddress(ANY4, 53));
    first.close();
    second.bind(new InetSocketAddress(LOOPBACK4, 53));
    assertThat(second.localAddress()).isEqualTo(new InetSocketAddress(LOOPBACK4, 53));
  }

  @Test
  void aSocketIsAlwaysWritableAndReadableOnceADatagramIsQueued() throws Exception {
    UdpChannel socket = guest.openUdp(StandardProtocolFamily.INET);
    socket.bind(new InetSocketAddress(ANY4, 9200));
    ReadinessSet set = new ReadinessSet();
    set.add(socket, Readiness.READ | Readiness.WRITE);
    assertThat(guest.await(set, 0)).isEqualTo(1);
    assertThat(set.ready(0)).isEqualTo(Readiness.WRITE);

    set = new ReadinessSet();
    set.add(socket, Readiness.READ);
    assertThat(guest.await(set, 0)).isZero();
    try (VirtualDatagramSocket member = server.openUdp(new InetSocketAddress(ANY4, 0))) {
      member.send(bytes("wake"), new InetSocketAddress(CLIENT4, 9200));
    }
    assertThat(guest.await(set, -1)).isEqualTo(1);
    assertThat(set.ready(0)).isEqualTo(Readiness.READ);
  }

  @Test
  void theUdpOptionsTheCoreSetsAreKept() throws Exception {
    UdpChannel socket = guest.openUdp(StandardProtocolFamily.INET);
    socket.setOption(StandardSocketOptions.SO_BROADCAST, true);
    socket.setOption(StandardSocketOptions.SO_REUSEADDR, true);
    socket.setOption(StandardSocketOptions.SO_SNDBUF, 8192);
    assertThat(socket.getOption(StandardSocketOptions.SO_BROADCAST)).isTrue();
    assertThat(socket.getOption(StandardSocketOptions.SO_REUSEADDR)).isTrue();
    assertThat(socket.getOption(StandardSocketOptions.SO_SNDBUF)).isEqualTo(8192);
    assertThat(socket.getOption(StandardSocketOptions.SO_RCVBUF))
        .isEqualTo(DatagramQueue.DEFAULT_CAPACITY);
  }

  /**
   * SO_RCVBUF sizes the queue as Linux sizes the buffer: twice what is asked, at most twice
   * rmem_max, at least 2,304; the size read back is the size kept.
   */
  @Test
  void soRcvbufResizesTheQueueAsLinuxDoes() throws Exception {
    UdpChannel socket = guest.openUdp(StandardProtocolFamily.INET);
    socket.bind(new InetSocketAddress(ANY4, 9101));
    socket.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
    assertThat(socket.getOption(StandardSocketOptions.SO_RCVBUF)).isEqualTo(8192);
    int size = 1000;
    try (VirtualDatagramSocket member = server.openUdp(new InetSocketAddress(ANY4, 0))) {
      for (int i = 0; i < 20; i++) {
        member.send(ByteBuffer.allocate(size), new InetSocketAddress(CLIENT4, 9101));
      }
    }
    int received = 0;
    while (socket.receive(ByteBuffer.allocate(size)) != null) {
      received++;
    }
    assertThat(received).isEqualTo(8192 / (size + DatagramQueue.OVERHEAD));

    socket.setOption(StandardSocketOptions.SO_RCVBUF, 1);
    assertThat(socket.getOption(StandardSocketOptions.SO_RCVBUF)).isEqualTo(2304);
    socket.setOption(StandardSocketOptions.SO_RCVBUF, 10_000_000);
    assertThat(socket.getOption(StandardSocketOptions.SO_RCVBUF)).isEqualTo(425_984);
  }

  @Test
  void aMembersConnectedSocketSendsToItsPeerAndTakesOnlyItsDatagrams() throws Exception {
    UdpChannel socket = guest.openUdp(StandardProtocolFamily.INET);
    socket.bind(new InetSocketAddress(ANY4, 9102));
    try (VirtualDatagramSocket member = server.openUdp(new InetSocketAddress(ANY4, 5300));
        VirtualDatagramSocket stranger = server.openUdp(new InetSocketAddress(ANY4, 5301))) {
      assertThatThrownBy(() -> member.send(bytes("nowhere")))
          .isInstanceOf(NotYetConnectedException.class);
      member.connect(new InetSocketAddress(CLIENT4, 9102));
      member.send(bytes("to the peer"));
      ByteBuffer in = ByteBuffer.allocate(100);
      assertThat(socket.receive(in)).isEqualTo(new InetSocketAddress(SERVER4, 5300));
      assertThat(text(in)).isEqualTo("to the peer");

      socket.send(bytes("from the peer"), new InetSocketAddress(SERVER4, 5300));
      socket.send(bytes("not the peer"), new InetSocketAddress(SERVER4, 5301));
      stranger.send(bytes("a stranger"), new InetSocketAddress(SERVER4, 5300));
      ByteBuffer reply = ByteBuffer.allocate(100);
      member.receive(reply, Duration.ofSeconds(10));
      assertThat(text(reply)).isEqualTo("from the peer");
      assertThatThrownBy(() -> member.receive(ByteBuffer.allocate(100), Duration.ZERO))
          .isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void aMemberSendsIpv6DatagramsUpTo65527Bytes() throws Exception {
    InetAddress server6 = server.addresses().get(1);
    try (VirtualDatagramSocket receiver =
            server.openUdp(new InetSocketAddress(InetAddress.getByName("::"), 5400));
        VirtualDatagramSocket sender =
            client.openUdp(new InetSocketAddress(InetAddress.getByName("::"), 0))) {
      InetSocketAddress target = new InetSocketAddress(server6, 5400);
      sender.send(ByteBuffer.allocate(VirtualDatagramSocket.MAX_IPV6_PAYLOAD), target);
      ByteBuffer in = ByteBuffer.allocate(70_000);
      receiver.receive(in, Duration.ofSeconds(10));
      assertThat(in.position()).isEqualTo(65_527);
      assertThatThrownBy(() -> sender.send(ByteBuffer.allocate(65_528), target))
          .hasMessage("Message too long");
      InetSocketAddress target4 = new InetSocketAddress(SERVER4, 5400);
      assertThatThrownBy(() -> sender.send(ByteBuffer.allocate(65_508), target4))
          .hasMessage("Message too long");
    }
  }

  private static ByteBuffer bytes(String text) {
    return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String text(ByteBuffer buffer) {
    return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
  }

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
