package dev.wasisockets.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.fixtures.GuestFixture;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * A guest per test, the tests running at once: each gets its own guest on its own loopback port,
 * and sees only its own connection, output and exit.
 */
@Execution(ExecutionMode.CONCURRENT)
class GuestPerTestTest {
  @RegisterExtension
  final WasmGuest echo =
      WasmGuest.fromBytes("preview1_echo_server.wasm", GuestFixture.C_PREVIEW1_ECHO_SERVER.bytes())
          .listen()
          .args("1");

  @RepeatedTest(4)
  void eachTestHasItsOwnGuest(RunningGuest guest, GuestClient client) {
    String mine = "port " + guest.port() + "\n";
    client.write(mine).shutdownOutput();

    assertThat(client.readTextToEnd()).isEqualTo(mine);
    assertThat(guest.awaitExit(Duration.ofSeconds(10))).isZero();
    assertThat(guest.stdout()).isEqualTo("served 1\n");
    assertThat(guest.exitCode()).contains(0);
  }

  private static final Queue<RunningGuest> LEFT_RUNNING = new ConcurrentLinkedQueue<>();

  @RepeatedTest(2)
  void aGuestStillRunningAfterItsTestIsStopped(RunningGuest guest) {
    // Nobody connects: the guest waits in poll_oneoff until the kit interrupts it after the test.
    assertThat(guest.isRunning()).isTrue();
    assertThat(guest.exitCode()).isEmpty();
    LEFT_RUNNING.add(guest);
  }

  @AfterAll
  static void theKitStoppedTheGuestsLeftRunning() {
    assertThat(LEFT_RUNNING).hasSize(2);
    for (RunningGuest guest : LEFT_RUNNING) {
      assertThat(guest.isRunning()).isFalse();
      assertThat(guest.toString()).contains("stopped by the kit");
    }
  }
}
