package dev.wasisockets.abi;

import static dev.wasisockets.abi.RawAbiGuest.EBADF;
import static dev.wasisockets.abi.RawAbiGuest.EFAULT;
import static dev.wasisockets.abi.RawAbiGuest.EINVAL;
import static dev.wasisockets.abi.RawAbiGuest.ENOTSOCK;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad pointers, lengths, descriptors and flags from a guest get an errno, never a host exception,
 * and no byte is lost on the way: a failed receive leaves its data in the socket; a failed send
 * sends nothing.
 */
class HostileGuestInputTest {
  private static final int PAGE = 65536;
  private static final int INET4 = 1;
  private static final int STREAM = 2;
  // Scratch layout in the guest's one page.
  private static final int FD_OUT = 0;
  private static final int ADDRESS_DESCRIPTOR = 8;
  private static final int ADDRESS_BYTES = 16;
  private static final int IOVEC = 32;
  private static final int COUNT_OUT = 40;
  private static final int FLAGS_OUT = 44;
  private static final int DATA = 64;

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
  void sockOpenWithItsFdPointerOutsideMemoryIsEfaultAndOpensNothing() {
    assertThat(guest.call("open", INET4, STREAM, PAGE - 2)).isEqualTo(EFAULT);
    assertThat(guest.call("open", INET4, STREAM, 0x8000_0000L)).isEqualTo(EFAULT);

    assertThat(guest.call("open", INET4, STREAM, FD_OUT)).isZero();
    assertThat(guest.memory().readInt(FD_OUT)).as("lowest free descriptor").isEqualTo(3);
  }

  @Test
  void sockOpenWithAnUnknownFamilyOrTypeIsEinval() {
    assertThat(guest.call("open", 9, STREAM, FD_OUT)).isEqualTo(EINVAL);
    assertThat(guest.call("open", INET4, 9, FD_OUT)).isEqualTo(EINVAL);
  }

  @Test
  void connectWithAnAddressLengthOtherThan4Or16Or128IsEinval() {
    int fd = openSocket();
    writeAddressDescriptor(ADDRESS_BYTES, 7);

    assertThat(guest.call("connect", fd, ADDRESS_DESCRIPTOR, peerListener.getLocalPort()))
        .isEqualTo(EINVAL);
  }

  @Test
  void connectWithAnAddressOutsideMemoryIsEfault() {
    int fd = openSocket();
    assertThat(guest.call("connect", fd, PAGE - 4, 80)).isEqualTo(EFAULT);

    writeAddressDescriptor(PAGE - 2, 4);
    assertThat(guest.call("connect", fd, ADDRESS_DESCRIPTOR, 80)).isEqualTo(EFAULT);
  }

  @Test
  void socketCallsOnAFileAreEnotsockAndOnAnUnknownDescriptorEbadf() {
    guest.iovec(IOVEC, DATA, 4);
    assertThat(guest.call("send", 1, IOVEC, 1, 0, COUNT_OUT)).isEqualTo(ENOTSOCK);
    assertThat(guest.call("send", 99, IOVEC, 1, 0, COUNT_OUT)).isEqualTo(EBADF);
    assertThat(guest.call("send", -1, IOVEC, 1, 0, COUNT_OUT)).isEqualTo(EBADF);
    assertThat(guest.call("close", 99)).isEqualTo(EBADF);
  }

  @Test
  void shutdownWithAnUndefinedHowIsEinval() throws IOException {
    try (Socket peer = connectToPeer()) {
      int fd = guest.memory().readInt(FD_OUT);
      assertThat(guest.call("shutdown", fd, 0)).isEqualTo(EINVAL);
      assertThat(guest.call("shutdown", fd, 4)).isEqualTo(EINVAL);
    }
  }

  @Test
  void recvIntoMemoryItDoesNotOwnIsEfaultAndTheDataStaysInTheSocket() throws IOException {
    try (Socket peer = connectToPeer()) {
      int fd = guest.memory().readInt(FD_OUT);
      peer.getOutputStream().write("kept".getBytes(StandardCharsets.US_ASCII));

      guest.iovec(IOVEC, PAGE - 2, 16);
      assertThat(guest.call("recv", fd, IOVEC, 1, 0, COUNT_OUT, FLAGS_OUT)).isEqualTo(EFAULT);
      guest.iovec(IOVEC, DATA, 16);
      assertThat(guest.call("recv", fd, IOVEC, 1, 0, PAGE, FLAGS_OUT)).isEqualTo(EFAULT);
      assertThat(guest.call("recv", fd, IOVEC, 1, 0, COUNT_OUT, PAGE - 1)).isEqualTo(EFAULT);
      assertThat(guest.call("recv", fd, IOVEC, 100_000, 0, COUNT_OUT, FLAGS_OUT)).isEqualTo(EINVAL);

      assertThat(guest.call("recv", fd, IOVEC, 1, 0, COUNT_OUT, FLAGS_OUT)).isZero();
      int received = guest.memory().readInt(COUNT_OUT);
      assertThat(new String(guest.memory().readBytes(DATA, received), StandardCharsets.US_ASCII))
          .isEqualTo("kept");
    }
  }

  @Test
  void sendFromMemoryItDoesNotOwnIsEfaultAndSendsNothing() throws IOException {
    try (Socket peer = connectToPeer()) {
      int fd = guest.memory().readInt(FD_OUT);
      guest.memory().write(DATA, "good".getBytes(StandardCharsets.US_ASCII));
      // Two iovecs, the second one bad: not even the first may go out.
      guest.iovec(IOVEC, DATA, 4);
      guest.iovec(IOVEC + 8, PAGE - 1, 4);
      assertThat(guest.call("send", fd, IOVEC, 2, 0, COUNT_OUT)).isEqualTo(EFAULT);
      assertThat(guest.call("send", fd, IOVEC, 1, 0, PAGE - 3)).isEqualTo(EFAULT);

      assertThat(guest.call("send", fd, IOVEC, 1, 0, COUNT_OUT)).isZero();
      assertThat(guest.call("shutdown", fd, 2)).isZero();
      assertThat(readAll(peer.getInputStream())).isEqualTo("good");
    }
  }

  private int openSocket() {
    assertThat(guest.call("open", INET4, STREAM, FD_OUT)).isZero();
    return guest.memory().readInt(FD_OUT);
  }

  private void writeAddressDescriptor(int buffer, int length) {
    guest.memory().writeI32(ADDRESS_DESCRIPTOR, buffer);
    guest.memory().writeI32(ADDRESS_DESCRIPTOR + 4, length);
  }

  /** Opens a guest socket (its fd at FD_OUT), connects it to the peer and returns the peer side. */
  private Socket connectToPeer() throws IOException {
    int fd = openSocket();
    guest.memory().write(ADDRESS_BYTES, InetAddress.getLoopbackAddress().getAddress());
    writeAddressDescriptor(ADDRESS_BYTES, 4);
    assertThat(guest.call("connect", fd, ADDRESS_DESCRIPTOR, peerListener.getLocalPort())).isZero();
    return peerListener.accept();
  }

  private static String readAll(InputStream in) throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
  }
}
