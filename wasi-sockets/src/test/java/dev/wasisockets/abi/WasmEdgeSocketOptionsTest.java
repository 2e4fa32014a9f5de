package dev.wasisockets.abi;

import static dev.wasisockets.abi.RawAbiGuest.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code sock_getsockopt}/{@code sock_setsockopt} called the way real guests call them: each length
 * convention with the shapes its guests use, and the timeouts Linux takes.
 */
@Timeout(30)
class WasmEdgeSocketOptionsTest {
  private static final int EDOM = 18;
  private static final int SOL_SOCKET = 0;
  private static final int SO_TYPE = 1;
  private static final int SO_ERROR = 2;
  private static final int SO_LINGER = 9;
  private static final int SO_RCVTIMEO = 11;
  private static final int SO_SNDTIMEO = 12;
  // Where a Rust guest's locals live: its stack, high in memory (a stack-first layout grows down).
  private static final int STACK_VALUE = PAGE - 64;
  private static final int STACK_LENGTH = PAGE - 40;
  private static final int SENTINEL = 0x5A5A5A5A;

  private RawAbiGuest guest;
  private int fd;

  @BeforeEach
  void start() throws IOException {
    guest = new RawAbiGuest();
    fd = guest.openSocket();
    // Whatever the guest keeps in the lowest bytes must survive every call below.
    for (int at = 0; at < 32; at += 4) {
      if (at != FD_OUT) {
        guest.memory().writeI32(at, SENTINEL);
      }
    }
  }

  @AfterEach
  void stop() throws IOException {
    guest.close();
  }

  @Test
  void wasmedgeWasiSocketPassesAPointerToTheLengthAndGetsTheLengthWrittenBack() {
    // take_error(): let mut error = 0i32; let mut len = 4u32; sock_getsockopt(.., &mut len)
    guest.memory().writeI32(STACK_VALUE, -1);
    guest.memory().writeI32(STACK_LENGTH, 4);
    assertThat(guest.call("sock_getsockopt", fd, SOL_SOCKET, SO_ERROR, STACK_VALUE, STACK_LENGTH))
        .isZero();
    assertThat(guest.memory().readInt(STACK_VALUE)).isZero();
    assertThat(guest.memory().readInt(STACK_LENGTH)).isEqualTo(4);

    // A timeval through a pointer to its size, 16.
    guest.memory().writeI32(STACK_LENGTH, 16);
    assertThat(
            guest.call("sock_getsockopt", fd, SOL_SOCKET, SO_RCVTIMEO, STACK_VALUE, STACK_LENGTH))
        .isZero();
    assertThat(guest.memory().readInt(STACK_LENGTH)).isEqualTo(16);

    guest.memory().writeI32(STACK_LENGTH, 2);
    assertThat(guest.call("sock_getsockopt", fd, SOL_SOCKET, SO_TYPE, STACK_VALUE, STACK_LENGTH))
        .as("the length it points to is too small for an int")
        .isEqualTo(EINVAL);
    assertLowMemoryUntouched();
  }

  @Test
  void dispatchrunNetAndTheWasmedgeCShimPassTheLengthItself() {
    // getsockopt(fd, level, name) in dispatchrun/net: a uint32 on its heap, length 4 by value.
    assertThat(guest.call("sock_getsockopt", fd, SOL_SOCKET, SO_TYPE, STACK_VALUE, 4)).isZero();
    assertThat(guest.memory().readInt(STACK_VALUE)).as("SOCK_STREAM").isEqualTo(2);
    assertThat(guest.call("sock_getsockopt", fd, SOL_SOCKET, SO_ERROR, STACK_VALUE, 4)).isZero();
    assertThat(guest.memory().readInt(STACK_VALUE)).isZero();
    assertLowMemoryUntouched();
  }

  @Test
  void aLengthOf16ByValueIsATimevalNotAPointer() {
    setTimeout(SO_SNDTIMEO, 3, 250_000);
    guest.memory().writeLong(STACK_VALUE, -1);
    guest.memory().writeLong(STACK_VALUE + 8, -1);

    assertThat(guest.call("sock_getsockopt", fd, SOL_SOCKET, SO_SNDTIMEO, STACK_VALUE, 16))
        .isZero();
    assertThat(guest.memory().readLong(STACK_VALUE)).isEqualTo(3);
    assertThat(guest.memory().readLong(STACK_VALUE + 8)).isEqualTo(250_000);
    // And a struct linger by value: 8.
    assertThat(guest.call("sock_getsockopt", fd, SOL_SOCKET, SO_LINGER, STACK_VALUE, 8)).isZero();
    assertLowMemoryUntouched();
  }

  @Test
  void aTimeoutTooLongForNanosecondsIsNoTimeoutAsLinuxTreatsItsLongest() throws IOException {
    try (Socket peer = guest.connectToPeer(fd)) {
      assertThat(setTimeout(SO_RCVTIMEO, 9_300_000_000L, 0)).isZero();
      assertThat(setTimeout(SO_SNDTIMEO, Long.MAX_VALUE, 999_999)).isZero();
      assertThat(timeout(SO_RCVTIMEO)).containsExactly(0L, 0L);

      // The blocking receive still waits for the peer, as with no timeout at all.
      Thread writer = startWriting(peer, "late");
      guest.iovec(IOVEC, DATA, 4);
      assertThat(guest.call("sock_recv", fd, IOVEC, 1, RECV_WAITALL, COUNT_OUT, FLAGS_OUT))
          .isZero();
      assertThat(guest.data(guest.memory().readInt(COUNT_OUT))).isEqualTo("late");
      joinQuietly(writer);
    }
  }

  @Test
  void aNegativeTimeoutIsNoTimeoutAndMicrosecondsOutOfRangeAreEdomAsOnLinux() {
    assertThat(setTimeout(SO_RCVTIMEO, 1, 0)).isZero();
    assertThat(setTimeout(SO_RCVTIMEO, -5, 0)).isZero();
    assertThat(timeout(SO_RCVTIMEO)).containsExactly(0L, 0L);

    assertThat(setTimeout(SO_RCVTIMEO, 1, 1_000_000)).isEqualTo(EDOM);
    assertThat(setTimeout(SO_RCVTIMEO, 1, -1)).isEqualTo(EDOM);
    assertThat(timeout(SO_RCVTIMEO)).as("unchanged").containsExactly(0L, 0L);
  }

  private int setTimeout(int name, long seconds, long micros) {
    guest.memory().writeLong(STACK_VALUE, seconds);
    guest.memory().writeLong(STACK_VALUE + 8, micros);
    return guest.call("sock_setsockopt", fd, SOL_SOCKET, name, STACK_VALUE, 16);
  }

  private long[] timeout(int name) {
    assertThat(guest.call("sock_getsockopt", fd, SOL_SOCKET, name, STACK_VALUE, 16)).isZero();
    return new long[] {
      guest.memory().readLong(STACK_VALUE), guest.memory().readLong(STACK_VALUE + 8)
    };
  }

  private void assertLowMemoryUntouched() {
    for (int at = 0; at < 32; at += 4) {
      if (at != FD_OUT) {
        assertThat(guest.memory().readInt(at)).as("guest memory at %d", at).isEqualTo(SENTINEL);
      }
    }
  }

  /** Writes {@code text} to {@code peer} from another thread, once the guest is waiting. */
  private static Thread startWriting(Socket peer, String text) {
    Thread writer =
        new Thread(
            () -> {
              try {
                Thread.sleep(100);
                OutputStream out = peer.getOutputStream();
                out.write(text.getBytes(StandardCharsets.US_ASCII));
                out.flush();
              } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    writer.start();
    return writer;
  }

  private static void joinQuietly(Thread thread) {
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
