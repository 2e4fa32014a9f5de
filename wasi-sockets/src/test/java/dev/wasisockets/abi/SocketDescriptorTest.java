package dev.wasisockets.abi;

import static dev.wasisockets.abi.RawAbiGuest.EAGAIN;
import static dev.wasisockets.abi.RawAbiGuest.EBADF;
import static dev.wasisockets.abi.RawAbiGuest.EINVAL;
import static dev.wasisockets.abi.RawAbiGuest.ENOTCONN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Sockets are ordinary descriptors: the preview 1 {@code fd_*} calls work on them. */
class SocketDescriptorTest {
  private static final int INET4 = 1;
  private static final int STREAM = 2;
  private static final int FILETYPE_SOCKET_STREAM = 6;
  private static final int NONBLOCK = 4;
  private static final int FD_OUT = 0;
  private static final int ADDRESS_DESCRIPTOR = 8;
  private static final int ADDRESS_BYTES = 16;
  private static final int IOVEC = 32;
  private static final int COUNT_OUT = 40;
  private static final int FDSTAT = 48;
  private static final int DATA = 128;

  private ServerSocket peerListener;
  private RawAbiGuest guest;

  @BeforeEach
  void start() throws IOException {
    peerListener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    guest =
        new RawAbiGuest(
            NetworkPolicy.builder()
                .allow(NetworkUse.TCP_CONNECT, "127.0.0.1:" + peerListener.getLocalPort())
                .build());
  }

  @AfterEach
  void stop() throws IOException {
    guest.close();
    peerListener.close();
  }

  @Test
  void fdWriteAndFdReadMoveStreamBytes() throws IOException {
    int fd = openSocket();
    try (Socket peer = connect(fd)) {
      guest.memory().write(DATA, "to peer".getBytes(StandardCharsets.US_ASCII));
      guest.iovec(IOVEC, DATA, 7);
      assertThat(guest.call("write", fd, IOVEC, 1, COUNT_OUT)).isZero();
      assertThat(guest.memory().readInt(COUNT_OUT)).isEqualTo(7);
      assertThat(new String(peer.getInputStream().readNBytes(7), StandardCharsets.US_ASCII))
          .isEqualTo("to peer");

      peer.getOutputStream().write("to guest".getBytes(StandardCharsets.US_ASCII));
      peer.shutdownOutput();
      guest.iovec(IOVEC, DATA, 64);
      assertThat(guest.call("read", fd, IOVEC, 1, COUNT_OUT)).isZero();
      assertThat(readData(guest.memory().readInt(COUNT_OUT))).isEqualTo("to guest");
      assertThat(guest.call("read", fd, IOVEC, 1, COUNT_OUT)).isZero();
      assertThat(guest.memory().readInt(COUNT_OUT)).as("end of stream").isZero();
    }
  }

  @Test
  void fdstatReportsASocketStreamAndItsNonblockFlag() throws IOException {
    int fd = openSocket();
    assertThat(guest.call("fdstat_get", fd, FDSTAT)).isZero();
    assertThat(guest.memory().read(FDSTAT)).isEqualTo((byte) FILETYPE_SOCKET_STREAM);
    assertThat(guest.memory().readShort(FDSTAT + 2)).isZero();

    assertThat(guest.call("fdstat_set_flags", fd, NONBLOCK)).isZero();
    assertThat(guest.call("fdstat_get", fd, FDSTAT)).isZero();
    assertThat(guest.memory().readShort(FDSTAT + 2)).isEqualTo((short) NONBLOCK);

    assertThat(guest.call("fdstat_set_flags", fd, 1 /* APPEND */)).isEqualTo(EINVAL);
  }

  @Test
  void aNonBlockingReceiveWithNothingToReadIsEagainAndLaterGetsTheData() throws IOException {
    int fd = openSocket();
    try (Socket peer = connect(fd)) {
      assertThat(guest.call("fdstat_set_flags", fd, NONBLOCK)).isZero();
      guest.iovec(IOVEC, DATA, 64);
      assertThat(guest.call("recv", fd, IOVEC, 1, 0, COUNT_OUT, COUNT_OUT + 4)).isEqualTo(EAGAIN);

      peer.getOutputStream().write("late".getBytes(StandardCharsets.US_ASCII));
      peer.shutdownOutput();
      // The bytes are in flight on loopback; a non-blocking guest retries until they land.
      int result;
      do {
        result = guest.call("recv", fd, IOVEC, 1, 0, COUNT_OUT, COUNT_OUT + 4);
      } while (result == EAGAIN);
      assertThat(result).isZero();
      assertThat(readData(guest.memory().readInt(COUNT_OUT))).isEqualTo("late");
    }
  }

  @Test
  void ioOnAnUnconnectedSocketIsEnotconn() {
    int fd = openSocket();
    guest.iovec(IOVEC, DATA, 4);
    assertThat(guest.call("write", fd, IOVEC, 1, COUNT_OUT)).isEqualTo(ENOTCONN);
    assertThat(guest.call("shutdown", fd, 3)).isEqualTo(ENOTCONN);
  }

  @Test
  void aSocketIsNotAPreopenedDirectory() {
    int fd = openSocket();
    assertThat(guest.call("prestat_get", fd, FDSTAT)).isEqualTo(EBADF);
  }

  @Test
  void closeFreesTheNumberAndClosesTheConnection() throws IOException {
    int fd = openSocket();
    try (Socket peer = connect(fd)) {
      assertThat(guest.call("close", fd)).isZero();

      assertThat(peer.getInputStream().read()).as("the peer sees end of stream").isEqualTo(-1);
      assertThat(guest.call("close", fd)).isEqualTo(EBADF);
      assertThat(openSocket()).isEqualTo(fd);
    }
  }

  @Test
  void renumberMovesASocketOverAnotherDescriptor() throws IOException {
    int first = openSocket();
    int second = openSocket();
    try (Socket peer = connect(first)) {
      assertThat(guest.call("renumber", first, second)).isZero();

      assertThat(guest.call("fdstat_get", first, FDSTAT)).isEqualTo(EBADF);
      guest.memory().write(DATA, "moved".getBytes(StandardCharsets.US_ASCII));
      guest.iovec(IOVEC, DATA, 5);
      assertThat(guest.call("write", second, IOVEC, 1, COUNT_OUT)).isZero();
      assertThat(new String(peer.getInputStream().readNBytes(5), StandardCharsets.US_ASCII))
          .isEqualTo("moved");
    }
  }

  private int openSocket() {
    assertThat(guest.call("open", INET4, STREAM, FD_OUT)).isZero();
    return guest.memory().readInt(FD_OUT);
  }

  private Socket connect(int fd) throws IOException {
    guest.memory().write(ADDRESS_BYTES, InetAddress.getLoopbackAddress().getAddress());
    guest.memory().writeI32(ADDRESS_DESCRIPTOR, ADDRESS_BYTES);
    guest.memory().writeI32(ADDRESS_DESCRIPTOR + 4, 4);
    assertThat(guest.call("connect", fd, ADDRESS_DESCRIPTOR, peerListener.getLocalPort())).isZero();
    return peerListener.accept();
  }

  private String readData(int length) {
    return new String(guest.memory().readBytes(DATA, length), StandardCharsets.US_ASCII);
  }
}
