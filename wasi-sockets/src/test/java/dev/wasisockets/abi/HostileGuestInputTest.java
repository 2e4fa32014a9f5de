package dev.wasisockets.abi;

import static dev.wasisockets.abi.RawAbiGuest.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.runtime.Memory;
import dev.wasisockets.policy.NetworkPolicy;
import java.io.IOException;
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

  private RawAbiGuest guest;

  /**
   * The memory the guest runs on; {@link HostileGuestInputOnChicoryMemoryTest} runs on the other.
   */
  MemoryKind memory() {
    return MemoryKind.DIRECT;
  }

  /**
   * The network the guest is on; {@link HostileGuestInputOnVirtualNetworkTest} runs on the other.
   */
  Network network() {
    return Network.DIRECT;
  }

  @BeforeEach
  void start() throws IOException {
    guest = new RawAbiGuest(false, MODULE, NetworkPolicy.builder(), memory(), null, network());
  }

  @AfterEach
  void stop() throws IOException {
    guest.close();
  }

  @Test
  void sockOpenWithItsFdPointerOutsideMemoryIsEfaultAndOpensNothing() {
    assertThat(guest.call("sock_open", INET4, STREAM, PAGE - 2)).isEqualTo(EFAULT);
    assertThat(guest.call("sock_open", INET4, STREAM, 0x8000_0000L)).isEqualTo(EFAULT);

    assertThat(guest.call("sock_open", INET4, STREAM, FD_OUT)).isZero();
    assertThat(guest.memory().readInt(FD_OUT)).as("lowest free descriptor").isEqualTo(3);
  }

  @Test
  void sockOpenWithAnUnknownFamilyOrTypeIsEinval() {
    assertThat(guest.call("sock_open", 9, STREAM, FD_OUT)).isEqualTo(EINVAL);
    assertThat(guest.call("sock_open", INET4, 9, FD_OUT)).isEqualTo(EINVAL);
  }

  @Test
  void connectWithAnAddressLengthOtherThan4Or16Or128IsEinval() {
    int fd = guest.openSocket();
    guest.addressDescriptor(ADDRESS_BYTES, 7);

    assertThat(guest.call("sock_connect", fd, ADDRESS_DESCRIPTOR, guest.peerPort()))
        .isEqualTo(EINVAL);
  }

  @Test
  void connectWithAnAddressOutsideMemoryIsEfault() {
    int fd = guest.openSocket();
    assertThat(guest.call("sock_connect", fd, PAGE - 4, 80)).isEqualTo(EFAULT);

    guest.addressDescriptor(PAGE - 2, 4);
    assertThat(guest.call("sock_connect", fd, ADDRESS_DESCRIPTOR, 80)).isEqualTo(EFAULT);
  }

  @Test
  void socketCallsOnAFileAreEnotsockAndOnAnUnknownDescriptorEbadf() {
    guest.iovec(IOVEC, DATA, 4);
    assertThat(guest.call("sock_send", 1, IOVEC, 1, 0, COUNT_OUT)).isEqualTo(ENOTSOCK);
    assertThat(guest.call("sock_send", 99, IOVEC, 1, 0, COUNT_OUT)).isEqualTo(EBADF);
    assertThat(guest.call("sock_send", -1, IOVEC, 1, 0, COUNT_OUT)).isEqualTo(EBADF);
    assertThat(guest.call("fd_close", 99)).isEqualTo(EBADF);
  }

  @Test
  void shutdownWithAnUndefinedHowIsEinval() throws IOException {
    int fd = guest.openSocket();
    try (Peer peer = guest.connectPeer(fd)) {
      assertThat(guest.call("sock_shutdown", fd, 0)).isEqualTo(EINVAL);
      assertThat(guest.call("sock_shutdown", fd, 4)).isEqualTo(EINVAL);
    }
  }

  @Test
  void recvIntoMemoryItDoesNotOwnIsEfaultAndTheDataStaysInTheSocket() throws IOException {
    int fd = guest.openSocket();
    try (Peer peer = guest.connectPeer(fd)) {
      peer.getOutputStream().write("kept".getBytes(StandardCharsets.US_ASCII));

      guest.iovec(IOVEC, PAGE - 2, 16);
      assertThat(guest.call("sock_recv", fd, IOVEC, 1, 0, COUNT_OUT, FLAGS_OUT)).isEqualTo(EFAULT);
      guest.iovec(IOVEC, DATA, 16);
      assertThat(guest.call("sock_recv", fd, IOVEC, 1, 0, PAGE, FLAGS_OUT)).isEqualTo(EFAULT);
      assertThat(guest.call("sock_recv", fd, IOVEC, 1, 0, COUNT_OUT, PAGE - 1)).isEqualTo(EFAULT);
      assertThat(guest.call("sock_recv", fd, IOVEC, 100_000, 0, COUNT_OUT, FLAGS_OUT))
          .isEqualTo(EINVAL);

      assertThat(guest.call("sock_recv", fd, IOVEC, 1, 0, COUNT_OUT, FLAGS_OUT)).isZero();
      int received = guest.memory().readInt(COUNT_OUT);
      assertThat(guest.data(received)).isEqualTo("kept");
    }
  }

  @Test
  void sendFromMemoryItDoesNotOwnIsEfaultAndSendsNothing() throws IOException {
    int fd = guest.openSocket();
    try (Peer peer = guest.connectPeer(fd)) {
      guest.memory().write(DATA, "good".getBytes(StandardCharsets.US_ASCII));
      // Two iovecs, the second one bad: not even the first may go out.
      guest.iovec(IOVEC, DATA, 4);
      guest.iovec(IOVEC + 8, PAGE - 1, 4);
      assertThat(guest.call("sock_send", fd, IOVEC, 2, 0, COUNT_OUT)).isEqualTo(EFAULT);
      assertThat(guest.call("sock_send", fd, IOVEC, 1, 0, PAGE - 3)).isEqualTo(EFAULT);

      assertThat(guest.call("sock_send", fd, IOVEC, 1, 0, COUNT_OUT)).isZero();
      assertThat(guest.call("sock_shutdown", fd, 2)).isZero();
      assertThat(new String(peer.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
          .isEqualTo("good");
    }
  }

  @Test
  void afterTheMemoryGrowsItsNewBytesMoveAndWhatLiesPastItsEndIsEfault() throws IOException {
    int fd = guest.openSocket();
    try (Peer peer = guest.connectPeer(fd)) {
      Memory memory = guest.memory();
      memory.write(DATA, "head".getBytes(StandardCharsets.US_ASCII));
      guest.iovec(IOVEC, DATA, 4);
      assertThat(guest.call("sock_send", fd, IOVEC, 1, 0, COUNT_OUT)).isZero();
      // 1 page, then 3, then 4: a direct memory moves to a new buffer and reserves 6 pages.
      assertThat(memory.grow(2)).isEqualTo(1);
      assertThat(memory.grow(1)).isEqualTo(3);
      int end = 4 * PAGE;
      memory.write(end - 4, "tail".getBytes(StandardCharsets.US_ASCII));

      guest.iovec(IOVEC, end - 4, 4);
      assertThat(guest.call("sock_send", fd, IOVEC, 1, 0, COUNT_OUT)).isZero();
      guest.iovec(IOVEC, end - 3, 4);
      assertThat(guest.call("sock_send", fd, IOVEC, 1, 0, COUNT_OUT)).isEqualTo(EFAULT);
      guest.iovec(IOVEC, end, 1);
      assertThat(guest.call("sock_send", fd, IOVEC, 1, 0, COUNT_OUT)).isEqualTo(EFAULT);
      assertThat(guest.call("sock_recv", fd, IOVEC, 1, 0, COUNT_OUT, FLAGS_OUT)).isEqualTo(EFAULT);
      assertThat(new String(peer.getInputStream().readNBytes(8), StandardCharsets.US_ASCII))
          .isEqualTo("headtail");

      peer.getOutputStream().write("back".getBytes(StandardCharsets.US_ASCII));
      guest.iovec(IOVEC, end - 4, 4);
      assertThat(guest.call("sock_recv", fd, IOVEC, 1, RECV_WAITALL, COUNT_OUT, FLAGS_OUT))
          .isZero();
      assertThat(memory.readInt(COUNT_OUT)).isEqualTo(4);
      assertThat(new String(memory.readBytes(end - 4, 4), StandardCharsets.US_ASCII))
          .isEqualTo("back");
    }
  }
}
