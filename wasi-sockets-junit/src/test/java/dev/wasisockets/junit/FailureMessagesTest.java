package dev.wasisockets.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.Events;

/**
 * Tests that must fail, run in process, and what their failures say: the guest's status, its output
 * and its last socket calls, beside the test's own message. (The classes that fail are nested, so
 * neither Surefire nor Jupiter picks them up on their own, and {@link OnlyWhenLaunchedHere} skips
 * them when a pattern like {@code -Dtest=dev.wasisockets.junit.**} does.)
 */
class FailureMessagesTest {
  private static final String LAUNCHED_HERE = "dev.wasisockets.junit.mustFail";

  /** Runs a class only when this test launches it. */
  static class OnlyWhenLaunchedHere implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      return context.getConfigurationParameter(LAUNCHED_HERE).isPresent()
          ? ConditionEvaluationResult.enabled("launched by FailureMessagesTest")
          : ConditionEvaluationResult.disabled(
              "a test that must fail; FailureMessagesTest runs it");
    }
  }

  @ExtendWith(OnlyWhenLaunchedHere.class)
  static class WrongBytes {
    @RegisterExtension
    final WasmGuest echo =
        WasmGuest.fromResource("/fixtures/c/preview1_echo_server.wasm").listen().args("1");

    @Test
    void expectsTheWrongEcho(RunningGuest guest, GuestClient client) {
      client.write("hello\n").shutdownOutput();
      String echoed = client.readTextToEnd();
      assertThat(guest.awaitExit(Duration.ofSeconds(10))).isZero();
      assertThat(echoed).isEqualTo("goodbye\n");
    }
  }

  @ExtendWith(OnlyWhenLaunchedHere.class)
  static class ReadTimesOut {
    @RegisterExtension
    static final WasmGuest echo =
        WasmGuest.fromResource("/fixtures/c/preview1_echo_server.wasm").listen().args("1");

    @Test
    void waitsForASecondLineThatNeverComes(GuestClient client) {
      // The round trip at the default timeout first: after it, the guest has accepted and received.
      assertThat(client.write("ping\n").readLine()).isEqualTo("ping");
      client.withTimeout(Duration.ofMillis(300));
      client.readLine(); // the guest echoes only what it gets: nothing more comes
    }
  }

  @ExtendWith(OnlyWhenLaunchedHere.class)
  static class NeverListens {
    // No bind grant: its sock_bind is EACCES, and it exits before it listens.
    @RegisterExtension
    final WasmGuest server =
        WasmGuest.fromResource("/fixtures/c/wasmedge_tcp_server.wasm")
            .listensItself()
            .args("127.0.0.1", "0", "1");

    @Test
    void isNeverReached(GuestClient client) {
      client.write("never sent");
    }
  }

  @Test
  void aGuestThatNeverListensFailsItsTestWithItsOutput() {
    String message = onlyFailure(NeverListens.class);

    assertThat(message)
        .contains("wasmedge_tcp_server.wasm ended before it listened")
        .contains("exited with code")
        .contains("--- stderr:\nsock_bind failed: errno 2\n") // WASI's EACCES
        .contains("EACCES");
  }

  @Test
  void wrongBytesShowTheGuestsOutputExitAndCalls() {
    String message = onlyFailure(WrongBytes.class);

    assertThat(message)
        .contains("goodbye") // the test's own expectation
        .contains("--- guest preview1_echo_server.wasm")
        .contains("exited with code 0")
        .contains("--- stdout:\nserved 1\n")
        .contains("sock_accept(")
        .contains("sock_recv(");
  }

  @Test
  void aClientTimeoutShowsWhatItWaitedForAndTheRunningGuest() {
    String message = onlyFailure(ReadTimesOut.class);

    assertThat(message)
        .contains("timed out after 300 ms waiting for a line from the guest")
        .contains("still running")
        .contains("--- stdout:\n(nothing)")
        .contains("sock_accept(")
        .contains("sock_recv(fd 4, 4096) = 5"); // the "ping\n" it echoed
  }

  private static String onlyFailure(Class<?> testClass) {
    Events tests =
        EngineTestKit.engine("junit-jupiter")
            .configurationParameter(LAUNCHED_HERE, "true")
            .selectors(selectClass(testClass))
            .execute()
            .testEvents();
    List<Event> failed = tests.failed().list();
    assertThat(failed).hasSize(1);
    Throwable failure =
        failed
            .get(0)
            .getPayload(TestExecutionResult.class)
            .flatMap(TestExecutionResult::getThrowable)
            .orElseThrow();
    assertThat(failure).isInstanceOf(AssertionError.class);
    return failure.getMessage();
  }
}
