package dev.wasisockets.abi;

import static dev.wasisockets.abi.RawAbiGuest.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.GuestEventRecording;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A non-blocking connect returns EINPROGRESS and goes on after the call: its SocketConnect event is
 * committed when the guest learns how it ended (SO_ERROR after poll), with that outcome.
 */
class ConnectEventsTest {
  private static final int VALUE = 408;
  private static final int SOL_SOCKET = 0;
  private static final int SO_ERROR = 2;
  private static final int FD_WRITE = 2;
  private static final int NONBLOCK = 4;
  private static final int DGRAM = 1;

  @TempDir Path dir;

  @Test
  void aNonBlockingConnectsEventEndsWhenTheConnectionIsMade() throws Exception {
    List<RecordedEvent> events;
    int fd;
    int peerPort;
    int clientPort;
    try (GuestEventRecording recording = GuestEventRecording.ofEverything();
        RawAbiGuest guest = new RawAbiGuest()) {
      fd = guest.openSocket();
      peerPort = guest.peerPort();
      int errno = connectWithoutBlocking(guest, fd, peerPort);
      try (Socket peer = guest.peerListener().accept()) {
        clientPort = peer.getPort();
        assertThat(errno).isZero();
      }
      events = recording.eventsOf(Thread.currentThread(), dir);
    }

    RecordedEvent connect = onlyConnect(events);
    assertThat(connect.getInt("fd")).isEqualTo(fd);
    assertThat(connect.getString("errno")).isNull();
    assertThat(connect.getString("remoteAddress")).isEqualTo("127.0.0.1");
    assertThat(connect.getInt("remotePort")).isEqualTo(peerPort);
    assertThat(connect.getString("localAddress")).isEqualTo("127.0.0.1");
    assertThat(connect.getInt("localPort")).isEqualTo(clientPort);
  }

  @Test
  void aRefusedNonBlockingConnectsEventCarriesTheErrnoTheGuestReadFromSoError() throws Exception {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = probe.getLocalPort();
    }
    NetworkPolicy.Builder grants =
        NetworkPolicy.builder().allow(NetworkUse.TCP_CONNECT, "127.0.0.1:" + closedPort);
    List<RecordedEvent> events;
    try (GuestEventRecording recording = GuestEventRecording.ofEverything();
        RawAbiGuest guest = new RawAbiGuest(false, RawAbiGuest.MODULE, grants)) {
      int errno = connectWithoutBlocking(guest, guest.openSocket(), closedPort);
      assertThat(errno).isEqualTo(ECONNREFUSED);
      events = recording.eventsOf(Thread.currentThread(), dir);
    }

    RecordedEvent connect = onlyConnect(events);
    assertThat(connect.getString("errno")).isEqualTo("ECONNREFUSED");
    assertThat(connect.getInt("remotePort")).isEqualTo(closedPort);
  }

  @Test
  void aUdpConnectNamesThePeerItsSendsThenGoTo() throws Exception {
    List<RecordedEvent> events;
    InetSocketAddress source;
    int peerPort;
    try (DatagramChannel peer = DatagramChannel.open()) {
      peer.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      peerPort = ((InetSocketAddress) peer.getLocalAddress()).getPort();
      NetworkPolicy.Builder grants =
          NetworkPolicy.builder().allow(NetworkUse.UDP_SEND, "127.0.0.1:" + peerPort);
      try (GuestEventRecording recording = GuestEventRecording.ofEverything();
          RawAbiGuest guest = new RawAbiGuest(false, RawAbiGuest.MODULE, grants)) {
        assertThat(guest.call("sock_open", INET4, DGRAM, FD_OUT)).isZero();
        int fd = guest.memory().readInt(FD_OUT);
        guest.memory().write(ADDRESS_BYTES, new byte[] {127, 0, 0, 1});
        guest.addressDescriptor(ADDRESS_BYTES, 4);
        assertThat(guest.call("sock_connect", fd, ADDRESS_DESCRIPTOR, peerPort)).isZero();
        guest.memory().write(DATA, "hi".getBytes(StandardCharsets.US_ASCII));
        guest.iovec(IOVEC, DATA, 2);
        assertThat(guest.call("fd_write", fd, IOVEC, 1, COUNT_OUT)).isZero();
        ByteBuffer got = ByteBuffer.allocate(16);
        source = (InetSocketAddress) peer.receive(got);
        assertThat(got.flip().remaining()).isEqualTo(2);
        events = recording.eventsOf(Thread.currentThread(), dir);
      }
    }

    RecordedEvent connect = onlyConnect(events);
    assertThat(connect.getString("protocol")).isEqualTo("udp");
    assertThat(connect.getString("errno")).isNull();
    assertThat(connect.getInt("remotePort")).isEqualTo(peerPort);
    assertThat(connect.getInt("localPort")).isEqualTo(source.getPort()); // bound by the connect
    RecordedEvent send =
        events.stream()
            .filter(e -> e.getEventType().getName().equals("dev.wasisockets.SocketSend"))
            .findFirst()
            .orElseThrow();
    assertThat(send.getInt("remotePort")).isEqualTo(peerPort);
    assertThat(send.getLong("bytesSent")).isEqualTo(2);
  }

  /**
   * Connects {@code fd} to 127.0.0.1:{@code port} as a non-blocking guest does: EINPROGRESS, a poll
   * for writability, then SO_ERROR. Returns the connect's outcome (0: connected).
   */
  private static int connectWithoutBlocking(RawAbiGuest guest, int fd, int port) {
    assertThat(guest.call("fd_fdstat_set_flags", fd, NONBLOCK)).isZero();
    guest.memory().write(ADDRESS_BYTES, new byte[] {127, 0, 0, 1});
    guest.addressDescriptor(ADDRESS_BYTES, 4);
    int connect = guest.call("sock_connect", fd, ADDRESS_DESCRIPTOR, port);
    if (connect != EINPROGRESS) {
      return connect; // it ended at once
    }
    int subscription = 1024;
    guest.memory().writeLong(subscription, 77);
    guest.memory().writeByte(subscription + 8, (byte) FD_WRITE);
    guest.memory().writeI32(subscription + 16, fd);
    assertThat(guest.call("poll_oneoff", subscription, 2048, 1, 4000)).isZero();
    assertThat(guest.call("sock_getsockopt", fd, SOL_SOCKET, SO_ERROR, VALUE, 4)).isZero();
    return guest.memory().readInt(VALUE);
  }

  private static RecordedEvent onlyConnect(List<RecordedEvent> events) {
    List<RecordedEvent> connects =
        events.stream()
            .filter(e -> e.getEventType().getName().equals("dev.wasisockets.SocketConnect"))
            .toList();
    assertThat(connects).hasSize(1);
    return connects.get(0);
  }
}
