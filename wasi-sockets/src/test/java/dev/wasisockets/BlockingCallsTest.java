package dev.wasisockets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.GuestRun.Mode;
import dev.wasisockets.GuestRun.Server;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A guest's blocking call with no time limit, on a socket it does not poll, waits in the OS call
 * itself (one system call), not in the selector; it still stops when its thread is interrupted.
 */
class BlockingCallsTest {
  private static final byte[] HELLO = "hello".getBytes(StandardCharsets.UTF_8);

  @Test
  @Timeout(60)
  void aBlockingAcceptAndReceiveWaitInTheOsAndStopWhenTheThreadIsInterrupted() throws Exception {
    int port = freePort();
    Server guest = echoServer(port, 2);
    try (Socket client = WasmEdgeGuestsTest.connectWhenListening(guest, port)) {
      client.getOutputStream().write(HELLO);
      assertThat(readExactly(client.getInputStream(), HELLO.length)).isEqualTo(HELLO);

      // The guest has echoed and waits for more: in the OS's read, not in a selector.
      assertThat(waitingIn(guest.thread(), "read")).isTrue();
      guest.thread().interrupt();

      assertThat(client.getInputStream().read()).isEqualTo(-1); // the guest's socket closed
      assertThat(stopped(guest)).isTrue();
    }
  }

  @Test
  @Timeout(60)
  void aGuestWaitingInTheOsToAcceptStopsWhenTheThreadIsInterrupted() throws Exception {
    Server guest = echoServer(freePort(), 1);

    assertThat(waitingIn(guest.thread(), "accept")).isTrue();
    guest.thread().interrupt();

    assertThat(stopped(guest)).isTrue();
  }

  /** The WasmEdge echo server (blocking calls), listening on {@code port} for that many. */
  private static Server echoServer(int port, int connections) {
    NetworkPolicy policy =
        NetworkPolicy.builder().allow(NetworkUse.BIND, "127.0.0.1:" + port).build();
    return GuestRun.start(
        GuestFixture.WASMEDGE_TCP_SERVER.bytes(),
        Mode.COMPILER,
        policy,
        "127.0.0.1",
        "" + port,
        "" + connections);
  }

  /**
   * Whether {@code thread} comes to wait in a native method named {@code name} of the JDK's socket
   * code (looked at for up to 30 s), and not in a selector's wait.
   */
  private static boolean waitingIn(Thread thread, String name) throws InterruptedException {
    for (int look = 0; look < 3_000; look++) {
      StackTraceElement[] stack = thread.getStackTrace();
      boolean inSelector =
          Arrays.stream(stack).anyMatch(frame -> frame.getClassName().contains("EPoll"));
      boolean inCall =
          stack.length > 0
              && stack[0].isNativeMethod()
              && stack[0].getMethodName().toLowerCase().startsWith(name);
      if (inCall && !inSelector) {
        return true;
      }
      Thread.sleep(10);
    }
    return false;
  }

  /** Whether the guest's run ended (with Chicory's interruption) within 10 s. */
  private static boolean stopped(Server guest) throws InterruptedException {
    try {
      guest.result().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      // ChicoryInterruptedException: how Chicory stops an interrupted guest
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    }
    guest.thread().join(10_000);
    return !guest.thread().isAlive();
  }

  private static byte[] readExactly(InputStream in, int n) throws Exception {
    byte[] bytes = in.readNBytes(n);
    assertThat(bytes).hasSize(n);
    return bytes;
  }

  private static int freePort() throws Exception {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
  }
}
