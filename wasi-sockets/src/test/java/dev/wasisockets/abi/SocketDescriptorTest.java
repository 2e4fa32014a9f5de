package dev.wasisockets.abi;

import static dev.wasisockets.abi.RawAbiGuest.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Sockets are ordinary descriptors: the preview 1 {@code fd_*} calls work on them. */
class SocketDescriptorTest {
  private static final int FILETYPE_SOCKET_STREAM = 6;
  private static final int NONBLOCK = 4;

  private RawAbiGuest guest;

  @BeforeEach
  void start() throws IOException {
    guest = new RawAbiGuest();
  }

  @AfterEach
  void stop() throws IOException {
    guest.close();
  }

  @Test
  void fdWriteAndFdReadMoveStreamBytes() throws IOException {
    int fd = guest.openSocket();
    try (Socket peer = guest.connectToPeer(fd)) {
      guest.memory().write(DATA, "to peer".getBytes(StandardCharsets.US_ASCII));
      guest.iovec(IOVEC, DATA, 7);
      assertThat(guest.call("fd_write", fd, IOVEC, 1, COUNT_OUT)).isZero();
      assertThat(guest.memory().readInt(COUNT_OUT)).isEqualTo(7);
      assertThat(new String(peer.getInputStream().readNBytes(7), StandardCharsets.US_ASCII))
          .isEqualTo("to peer");

      peer.getOutputStream().write("to guest".getBytes(StandardCharsets.US_ASCII));
      peer.shutdownOutput();
      guest.iovec(IOVEC, DATA, 64);
      assertThat(guest.call("fd_read", fd, IOVEC, 1, COUNT_OUT)).isZero();
      assertThat(guest.data(guest.memory().readInt(COUNT_OUT))).isEqualTo("to guest");
      assertThat(guest.call("fd_read", fd, IOVEC, 1, COUNT_OUT)).isZero();
      assertThat(guest.memory().readInt(COUNT_OUT)).as("end of stream").isZero();
    }
  }

  @Test
  void fdstatReportsASocketStreamAndItsNonblockFlag() throws IOException {
    int fd = guest.openSocket();
    assertThat(guest.call("fd_fdstat_get", fd, FDSTAT)).isZero();
    assertThat(guest.memory().read(FDSTAT)).isEqualTo((byte) FILETYPE_SOCKET_STREAM);
    assertThat(guest.memory().readShort(FDSTAT + 2)).isZero();

    assertThat(guest.call("fd_fdstat_set_flags", fd, NONBLOCK)).isZero();
    assertThat(guest.call("fd_fdstat_get", fd, FDSTAT)).isZero();
    assertThat(guest.memory().readShort(FDSTAT + 2)).isEqualTo((short) NONBLOCK);

    assertThat(guest.call("fd_fdstat_set_flags", fd, 1 /* APPEND */)).isEqualTo(EINVAL);
  }

  @Test
  void aNonBlockingReceiveWithNothingToReadIsEagainAndLaterGetsTheData() throws IOException {
    int fd = guest.openSocket();
    try (Socket peer = guest.connectToPeer(fd)) {
      assertThat(guest.call("fd_fdstat_set_flags", fd, NONBLOCK)).isZero();
      guest.iovec(IOVEC, DATA, 64);
      assertThat(guest.call("sock_recv", fd, IOVEC, 1, 0, COUNT_OUT, COUNT_OUT + 4))
          .isEqualTo(EAGAIN);

      peer.getOutputStream().write("late".getBytes(StandardCharsets.US_ASCII));
      peer.shutdownOutput();
      // The bytes are in flight on loopback; a non-blocking guest retries until they land.
      int result;
      do {
        result = guest.call("sock_recv", fd, IOVEC, 1, 0, COUNT_OUT, COUNT_OUT + 4);
      } while (result == EAGAIN);
      assertThat(result).isZero();
      assertThat(guest.data(guest.memory().readInt(COUNT_OUT))).isEqualTo("late");
    }
  }

  @Test
  void ioOnAnUnconnectedSocketIsEnotconn() {
    int fd = guest.openSocket();
    guest.iovec(IOVEC, DATA, 4);
    assertThat(guest.call("fd_write", fd, IOVEC, 1, COUNT_OUT)).isEqualTo(ENOTCONN);
    assertThat(guest.call("sock_shutdown", fd, 3)).isEqualTo(ENOTCONN);
  }

  @Test
  void aSocketIsNotAPreopenedDirectory() {
    int fd = guest.openSocket();
    assertThat(guest.call("fd_prestat_get", fd, FDSTAT)).isEqualTo(EBADF);
  }

  @Test
  void closeFreesTheNumberAndClosesTheConnection() throws IOException {
    int fd = guest.openSocket();
    try (Socket peer = guest.connectToPeer(fd)) {
      assertThat(guest.call("fd_close", fd)).isZero();

      assertThat(peer.getInputStream().read()).as("the peer sees end of stream").isEqualTo(-1);
      assertThat(guest.call("fd_close", fd)).isEqualTo(EBADF);
      assertThat(guest.openSocket()).isEqualTo(fd);
    }
  }

  @Test
  void renumberMovesASocketOverAnotherDescriptor() throws IOException {
    int first = guest.openSocket();
    int second = guest.openSocket();
    try (Socket peer = guest.connectToPeer(first)) {
      assertThat(guest.call("fd_renumber", first, second)).isZero();

      assertThat(guest.call("fd_fdstat_get", first, FDSTAT)).isEqualTo(EBADF);
      guest.memory().write(DATA, "moved".getBytes(StandardCharsets.US_ASCII));
      guest.iovec(IOVEC, DATA, 5);
      assertThat(guest.call("fd_write", second, IOVEC, 1, COUNT_OUT)).isZero();
      assertThat(new String(peer.getInputStream().readNBytes(5), StandardCharsets.US_ASCII))
          .isEqualTo("moved");
    }
  }
}
