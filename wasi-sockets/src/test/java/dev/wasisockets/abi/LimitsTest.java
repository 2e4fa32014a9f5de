package dev.wasisockets.abi;

import static dev.wasisockets.abi.RawAbiGuest.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.policy.Limits;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Limits reached give the guest an errno, never a silent drop. */
class LimitsTest {
  private static final int ENFILE = 41;
  private static final int ETIMEDOUT = 73;
  private static final int NONBLOCK = 4;

  @Test
  void oneSocketMoreThanTheLimitIsEnfileUntilOneCloses() throws IOException {
    NetworkPolicy.Builder grants =
        NetworkPolicy.builder().limits(Limits.NONE.withMaxConnections(2));
    try (RawAbiGuest guest = new RawAbiGuest(false, RawAbiGuest.MODULE, grants)) {
      int first = guest.openSocket();
      int second = guest.openSocket();
      assertThat(guest.call("sock_open", INET4, STREAM, FD_OUT)).isEqualTo(ENFILE);
      assertThat(guest.call("sock_open", INET4, 1 /* dgram */, FD_OUT)).isEqualTo(ENFILE);

      assertThat(guest.call("fd_close", first)).isZero();
      assertThat(guest.call("sock_open", INET4, STREAM, FD_OUT)).isZero();
      assertThat(guest.call("fd_close", second)).isZero();
    }
  }

  @Test
  void acceptingPastTheLimitIsEnfileAndTheConnectionWaits() throws IOException {
    NetworkPolicy.Builder grants =
        NetworkPolicy.builder().limits(Limits.NONE.withMaxConnections(2));
    try (RawAbiGuest guest = new RawAbiGuest(true, RawAbiGuest.MODULE, grants)) {
      int other = guest.openSocket(); // with the preopened listener, the guest is at its limit
      try (Socket client = new Socket(InetAddress.getLoopbackAddress(), guest.listenerPort())) {
        assertThat(guest.call("sock_accept", 3, 0, FD_OUT)).isEqualTo(ENFILE);

        assertThat(guest.call("fd_close", other)).isZero();
        assertThat(guest.call("sock_accept", 3, 0, FD_OUT)).isZero();
      }
    }
  }

  @Test
  void acceptsThatFindNoConnectionTakeNothingFromTheLimit() throws IOException {
    NetworkPolicy.Builder grants =
        NetworkPolicy.builder().limits(Limits.NONE.withMaxConnections(2));
    try (RawAbiGuest guest = new RawAbiGuest(true, RawAbiGuest.MODULE, grants)) {
      for (int i = 0; i < 5; i++) {
        assertThat(guest.call("sock_accept", 3, NONBLOCK, FD_OUT)).isEqualTo(EAGAIN);
      }
      int other = guest.openSocket(); // the listener and this one: the limit, not more

      try (Socket client = new Socket(InetAddress.getLoopbackAddress(), guest.listenerPort())) {
        assertThat(guest.call("sock_accept", 3, NONBLOCK, FD_OUT)).isEqualTo(ENFILE);
        assertThat(guest.call("fd_close", other)).isZero();
        assertThat(guest.call("sock_accept", 3, NONBLOCK, FD_OUT)).isZero();
        int accepted = guest.memory().readInt(FD_OUT);
        assertThat(guest.call("sock_open", INET4, STREAM, FD_OUT)).isEqualTo(ENFILE);

        assertThat(guest.call("fd_close", accepted)).isZero();
        assertThat(guest.call("sock_open", INET4, STREAM, FD_OUT)).isZero();
      }
    }
  }

  @Test
  void bytesAreCountedExactly() throws IOException {
    NetworkPolicy.Builder grants = NetworkPolicy.builder();
    try (RawAbiGuest guest = new RawAbiGuest(false, RawAbiGuest.MODULE, grants)) {
      int fd = guest.openSocket();
      try (Socket peer = guest.connectToPeer(fd)) {
        guest.iovec(IOVEC, DATA, 1000);
        assertThat(guest.call("sock_send", fd, IOVEC, 1, 0, COUNT_OUT)).isZero();
        peer.getOutputStream().write(new byte[300]);
        peer.shutdownOutput();
        peer.getInputStream().readNBytes(1000);
        int received = 0;
        do {
          assertThat(guest.call("sock_recv", fd, IOVEC, 1, 0, COUNT_OUT, FLAGS_OUT)).isZero();
          received += guest.memory().readInt(COUNT_OUT);
        } while (guest.memory().readInt(COUNT_OUT) > 0);

        assertThat(received).isEqualTo(300);
        assertThat(guest.statistics().bytesSent()).isEqualTo(1000);
        assertThat(guest.statistics().bytesReceived()).isEqualTo(300);
        assertThat(guest.statistics().allowed(NetworkUse.TCP_CONNECT)).isEqualTo(1);
      }
    }
  }

  @Test
  void aBlockingConnectThatGetsNoAnswerEndsWithEtimedout() throws IOException {
    // A listener that never accepts, its backlog filled: the kernel drops further SYNs, so the
    // guest's connect gets no answer at all, as to a host that is down.
    try (ServerSocketChannel silent = ServerSocketChannel.open()) {
      silent.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
      int port = silent.socket().getLocalPort();
      List<SocketChannel> fillers = new ArrayList<>();
      try {
        for (int i = 0; i < 8; i++) {
          SocketChannel filler = SocketChannel.open();
          filler.configureBlocking(false);
          filler.connect(silent.getLocalAddress());
          fillers.add(filler);
        }
        NetworkPolicy.Builder grants =
            NetworkPolicy.builder()
                .allow(NetworkUse.TCP_CONNECT, "127.0.0.1:" + port)
                .limits(Limits.NONE.withConnectTimeout(Duration.ofMillis(300)));
        try (RawAbiGuest guest = new RawAbiGuest(false, RawAbiGuest.MODULE, grants)) {
          int fd = guest.openSocket();
          guest.memory().write(ADDRESS_BYTES, new byte[] {127, 0, 0, 1});
          guest.addressDescriptor(ADDRESS_BYTES, 4);

          assertThat(guest.call("sock_connect", fd, ADDRESS_DESCRIPTOR, port)).isEqualTo(ETIMEDOUT);
          assertThat(guest.call("fd_close", fd)).isZero();
        }
      } finally {
        for (SocketChannel filler : fillers) {
          filler.close();
        }
      }
    }
  }

  @Test
  void oneListenerMoreThanTheLimitIsEnfile() throws IOException {
    NetworkPolicy.Builder grants =
        NetworkPolicy.builder()
            .allow(NetworkUse.BIND, "127.0.0.1")
            .limits(Limits.NONE.withMaxListeners(1));
    try (RawAbiGuest guest = new RawAbiGuest(false, RawAbiGuest.MODULE, grants)) {
      guest.memory().write(ADDRESS_BYTES, new byte[] {127, 0, 0, 1});
      guest.addressDescriptor(ADDRESS_BYTES, 4);
      int first = guest.openSocket();
      int second = guest.openSocket();
      assertThat(guest.call("sock_bind", first, ADDRESS_DESCRIPTOR, 0)).isZero();
      assertThat(guest.call("sock_bind", second, ADDRESS_DESCRIPTOR, 0)).isZero();
      assertThat(guest.call("sock_listen", first, 8)).isZero();

      assertThat(guest.call("sock_listen", second, 8)).isEqualTo(ENFILE);

      assertThat(guest.call("fd_close", first)).isZero();
      assertThat(guest.call("sock_listen", second, 8)).isZero();
    }
  }

  @Test
  void aConnectionIdleLongerThanTheLimitIsClosedAndTheGuestToldEtimedout() throws IOException {
    NetworkPolicy.Builder grants =
        NetworkPolicy.builder().limits(Limits.NONE.withIdleTimeout(Duration.ofMillis(150)));
    try (RawAbiGuest guest = new RawAbiGuest(false, RawAbiGuest.MODULE, grants)) {
      int fd = guest.openSocket();
      try (Socket peer = guest.connectToPeer(fd)) {
        guest.iovec(IOVEC, DATA, 16);

        assertThat(guest.call("sock_recv", fd, IOVEC, 1, 0, COUNT_OUT, FLAGS_OUT))
            .isEqualTo(ETIMEDOUT);
        assertThat(peer.getInputStream().read()).as("the host closed it").isEqualTo(-1);
        assertThat(guest.call("sock_recv", fd, IOVEC, 1, 0, COUNT_OUT, FLAGS_OUT))
            .isEqualTo(ENOTCONN);
      }
    }
  }

  /**
   * The idle limit is a connection's: it counts from when the connection is made, not from the
   * sock_open before it. A socket opened longer ago than the limit, then connected, sends at once.
   */
  @Test
  void theIdleTimeCountsFromTheConnectNotFromTheOpen() throws Exception {
    NetworkPolicy.Builder grants =
        NetworkPolicy.builder().limits(Limits.NONE.withIdleTimeout(Duration.ofMillis(500)));
    try (RawAbiGuest guest = new RawAbiGuest(false, RawAbiGuest.MODULE, grants)) {
      int fd = guest.openSocket();
      Thread.sleep(800); // a socket, not yet a connection, for longer than the limit
      try (Socket peer = guest.connectToPeer(fd)) {
        guest.iovec(IOVEC, DATA, 4);

        assertThat(guest.call("sock_send", fd, IOVEC, 1, 0, COUNT_OUT)).isZero();
        assertThat(guest.memory().readInt(COUNT_OUT)).isEqualTo(4);
        assertThat(peer.getInputStream().readNBytes(4)).hasSize(4);
      }
    }
  }
}
