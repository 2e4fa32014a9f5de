package dev.wasisockets.abi;

import static dev.wasisockets.abi.RawAbiGuest.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code sock_shutdown} on the direct transport, against a real loopback peer. */
@Timeout(30)
class ShutdownTest {
  private static final int SHUT_RD = 1;
  private static final int SHUT_WR = 2;
  private static final int SHUT_RDWR = 3;
  private static final int EPIPE = 64;
  private static final int FD_READ = 1;
  private static final int SUBSCRIPTION = 1024;
  private static final int EVENT = 2048;
  private static final int NEVENTS = 4000;

  private RawAbiGuest guest;
  private int fd;
  private Socket peer;

  @BeforeEach
  void connect() throws IOException {
    guest = new RawAbiGuest();
    fd = guest.openSocket();
    peer = guest.connectToPeer(fd);
  }

  @AfterEach
  void close() throws IOException {
    peer.close();
    guest.close();
  }

  @Test
  void halfCloseEndsTheGuestsStreamAndTheReplyStillArrives() throws IOException {
    assertThat(send("request")).isZero();
    assertThat(guest.call("sock_shutdown", fd, SHUT_WR)).isZero();

    InputStream in = peer.getInputStream();
    assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII))
        .as("what was sent, then the end of the guest's stream")
        .isEqualTo("request");
    assertThat(send("more")).as("writing after SHUT_WR").isEqualTo(EPIPE);

    peer.getOutputStream().write("reply".getBytes(StandardCharsets.US_ASCII));
    peer.shutdownOutput();
    assertThat(receiveAll()).isEqualTo("reply");
  }

  @Test
  void shutRdEndsReceivingAtOnceWhileSendingGoesOn() throws IOException {
    assertThat(guest.call("sock_shutdown", fd, SHUT_RD)).isZero();
    peer.getOutputStream().write("ignored".getBytes(StandardCharsets.US_ASCII));

    assertThat(receive()).as("end of stream, whatever the peer sends").isEmpty();
    guest.memory().writeLong(SUBSCRIPTION, 9);
    guest.memory().writeByte(SUBSCRIPTION + 8, (byte) FD_READ);
    guest.memory().writeI32(SUBSCRIPTION + 16, fd);
    assertThat(guest.call("poll_oneoff", SUBSCRIPTION, EVENT, 1, NEVENTS)).isZero();
    assertThat(guest.memory().readLong(EVENT)).as("readable at once: the end").isEqualTo(9);

    assertThat(send("still sending")).isZero();
    assertThat(guest.call("sock_shutdown", fd, SHUT_WR)).isZero();
    assertThat(new String(peer.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
        .isEqualTo("still sending");
  }

  @Test
  void shutRdwrEndsBoth() throws IOException {
    assertThat(guest.call("sock_shutdown", fd, SHUT_RDWR)).isZero();

    assertThat(peer.getInputStream().read()).as("the peer sees the end").isEqualTo(-1);
    assertThat(receive()).isEmpty();
    assertThat(send("late")).isEqualTo(EPIPE);
    assertThat(guest.call("sock_shutdown", fd, SHUT_RDWR)).as("again: nothing more to do").isZero();
  }

  private int send(String text) {
    guest.memory().write(DATA, text.getBytes(StandardCharsets.US_ASCII));
    guest.iovec(IOVEC, DATA, text.length());
    return guest.call("sock_send", fd, IOVEC, 1, 0, COUNT_OUT);
  }

  private String receive() {
    guest.iovec(IOVEC, DATA, 64);
    assertThat(guest.call("sock_recv", fd, IOVEC, 1, 0, COUNT_OUT, FLAGS_OUT)).isZero();
    return guest.data(guest.memory().readInt(COUNT_OUT));
  }

  /** Receives until the end of the stream. */
  private String receiveAll() {
    StringBuilder all = new StringBuilder();
    for (String part = receive(); !part.isEmpty(); part = receive()) {
      all.append(part);
    }
    return all.toString();
  }
}
