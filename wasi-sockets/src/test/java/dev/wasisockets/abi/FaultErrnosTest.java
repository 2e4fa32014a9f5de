package dev.wasisockets.abi;

import static dev.wasisockets.abi.RawAbiGuest.ADDRESS_BYTES;
import static dev.wasisockets.abi.RawAbiGuest.ADDRESS_DESCRIPTOR;
import static dev.wasisockets.abi.RawAbiGuest.COUNT_OUT;
import static dev.wasisockets.abi.RawAbiGuest.DATA;
import static dev.wasisockets.abi.RawAbiGuest.EAGAIN;
import static dev.wasisockets.abi.RawAbiGuest.EINPROGRESS;
import static dev.wasisockets.abi.RawAbiGuest.FLAGS_OUT;
import static dev.wasisockets.abi.RawAbiGuest.IOVEC;
import static dev.wasisockets.abi.RawAbiGuest.MODULE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.abi.RawAbiGuest.MemoryKind;
import dev.wasisockets.abi.RawAbiGuest.Network;
import dev.wasisockets.abi.RawAbiGuest.Peer;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.transport.virtual.NetworkFaults;
import dev.wasisockets.transport.virtual.VirtualConnection;
import dev.wasisockets.transport.virtual.VirtualHost;
import dev.wasisockets.transport.virtual.VirtualListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The errnos a guest's own calls get from the virtual network's faults, as on a real network:
 * EINPROGRESS while a handshake crosses a slow link, EAGAIN while bytes are on their way or a cut
 * link leaves the send buffer full; and poll_oneoff wakes the guest when that ends.
 */
@Timeout(30)
class FaultErrnosTest {
  private static final int NONBLOCK = 4;
  private static final int FD_READ = 1;
  private static final int FD_WRITE = 2;
  private static final int SOL_SOCKET = 0;
  private static final int SO_ERROR = 2;
  private static final int VALUE = 408;
  private static final int SUBSCRIPTION = 1024;
  private static final int EVENT = 2048;

  private final RawAbiGuest guest =
      new RawAbiGuest(
          false, MODULE, NetworkPolicy.builder(), MemoryKind.DIRECT, null, Network.VIRTUAL);
  private final VirtualHost host = guest.virtualHost();
  private final NetworkFaults faults = host.network().faults();

  FaultErrnosTest() throws Exception {}

  @AfterEach
  void close() throws Exception {
    guest.close();
  }

  @Test
  void aNonBlockingConnectOverASlowLinkIsEinprogressUntilTheRoundTrip() throws Exception {
    faults.link(host, host).latency(Duration.ofMillis(200)); // the guest's own loopback
    int fd = guest.openSocket();
    assertThat(guest.call("fd_fdstat_set_flags", fd, NONBLOCK)).isZero();
    guest.memory().write(ADDRESS_BYTES, new byte[] {127, 0, 0, 1});
    guest.addressDescriptor(ADDRESS_BYTES, 4);

    assertThat(guest.call("sock_connect", fd, ADDRESS_DESCRIPTOR, guest.peerPort()))
        .isEqualTo(EINPROGRESS);
    assertThat(poll(fd, FD_WRITE)).isZero();
    assertThat(guest.call("sock_getsockopt", fd, SOL_SOCKET, SO_ERROR, VALUE, 4)).isZero();
    assertThat(guest.memory().readInt(VALUE)).isZero();

    try (Peer peer = guest.acceptPeer()) {
      assertThat(send(fd, "hi")).isZero();
      assertThat(new String(peer.getInputStream().readNBytes(2), StandardCharsets.US_ASCII))
          .isEqualTo("hi");
    }
  }

  @Test
  void bytesOnTheirWayAreEagainToANonBlockingReceiveUntilTheyArrive() throws Exception {
    int fd = guest.openSocket();
    try (Peer peer = guest.connectPeer(fd)) {
      faults.link(host, host).latency(Duration.ofSeconds(1));
      peer.getOutputStream().write("late".getBytes(StandardCharsets.US_ASCII));
      assertThat(guest.call("fd_fdstat_set_flags", fd, NONBLOCK)).isZero();

      assertThat(receive(fd)).isEqualTo(EAGAIN);
      assertThat(poll(fd, FD_READ)).isZero();
      assertThat(receive(fd)).isZero();
      assertThat(guest.memory().readInt(COUNT_OUT)).isEqualTo(4);
      assertThat(guest.data(4)).isEqualTo("late");
    }
  }

  /**
   * Across a partition the bytes wait in the connection's 256 KiB: a non-blocking guest fills it,
   * then gets EAGAIN. Healed, every byte arrives, in order.
   */
  @Test
  void aPartitionFillsTheSendBufferToEagainAndHealingDeliversEveryByte() throws Exception {
    NetworkPolicy.Builder grants =
        NetworkPolicy.builder().allow(NetworkUse.TCP_CONNECT, "10.0.0.2:7000");
    try (RawAbiGuest sender =
        new RawAbiGuest(false, MODULE, grants, MemoryKind.DIRECT, null, Network.VIRTUAL)) {
      VirtualHost from = sender.virtualHost(); // 10.0.0.1
      VirtualHost other = from.network().host("other"); // 10.0.0.2
      try (VirtualListener listener = other.listen(7000)) {
        int fd = sender.openSocket();
        sender.memory().write(ADDRESS_BYTES, other.addresses().get(0).getAddress());
        sender.addressDescriptor(ADDRESS_BYTES, 4);
        assertThat(sender.call("sock_connect", fd, ADDRESS_DESCRIPTOR, 7000)).isZero();
        VirtualConnection accepted = listener.accept(Duration.ofSeconds(10));
        assertThat(sender.call("fd_fdstat_set_flags", fd, NONBLOCK)).isZero();
        // The reader waits from the start: were the partition to let bytes through, it would
        // drain the buffer and the sends below would never meet EAGAIN at 256 KiB.
        CompletableFuture<byte[]> read =
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return accepted.getInputStream().readNBytes(256 * 1024);
                  } catch (IOException e) {
                    throw new RuntimeException(e);
                  }
                });
        from.network().faults().partition(from, other);

        byte[] chunk = new byte[32 * 1024];
        new Random(5).nextBytes(chunk);
        sender.memory().write(DATA, chunk);
        sender.iovec(IOVEC, DATA, chunk.length);
        int total = 0;
        int errno;
        while ((errno = sender.call("sock_send", fd, IOVEC, 1, 0, COUNT_OUT)) == 0) {
          total += sender.memory().readInt(COUNT_OUT);
        }
        assertThat(errno).isEqualTo(EAGAIN);
        assertThat(total).isEqualTo(256 * 1024);

        assertThat(read).isNotDone();
        from.network().faults().heal(from, other);
        byte[] received = read.get(10, TimeUnit.SECONDS);
        for (int i = 0; i < 8; i++) {
          assertThat(Arrays.copyOfRange(received, i * chunk.length, (i + 1) * chunk.length))
              .isEqualTo(chunk);
        }
      }
    }
  }

  /** Polls {@code fd} for {@code type} with no timeout; the event's errno. */
  private int poll(int fd, int type) {
    guest.memory().writeLong(SUBSCRIPTION, 77);
    guest.memory().writeByte(SUBSCRIPTION + 8, (byte) type);
    guest.memory().writeI32(SUBSCRIPTION + 16, fd);
    assertThat(guest.call("poll_oneoff", SUBSCRIPTION, EVENT, 1, VALUE)).isZero();
    assertThat(guest.memory().readInt(VALUE)).isEqualTo(1);
    assertThat(guest.memory().readLong(EVENT)).isEqualTo(77);
    return guest.memory().readShort(EVENT + 8);
  }

  private int receive(int fd) {
    guest.iovec(IOVEC, DATA, 64);
    return guest.call("sock_recv", fd, IOVEC, 1, 0, COUNT_OUT, FLAGS_OUT);
  }

  private int send(int fd, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    guest.memory().write(DATA, bytes);
    guest.iovec(IOVEC, DATA, bytes.length);
    return guest.call("sock_send", fd, IOVEC, 1, 0, COUNT_OUT);
  }
}
