package dev.wasisockets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import dev.wasisockets.GuestRun.Mode;
import dev.wasisockets.GuestRun.Result;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.transport.ForwardingTransport;
import dev.wasisockets.transport.TcpChannel;
import dev.wasisockets.transport.Transport;
import dev.wasisockets.transport.direct.DirectTransport;
import java.net.StandardProtocolFamily;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What a guest sees when a host function fails in a way no errno was meant for: a bug of ours. */
class HostFunctionFailureTest {
  private static final int EIO = 29;

  @ParameterizedTest
  @EnumSource(Mode.class)
  @Timeout(60)
  void aBugOfOursIsEioForTheGuestAndOneLoggedLineWithTheStack(Mode mode) throws Exception {
    try (LoopbackLineServer server = LoopbackLineServer.onIpv4();
        LogCapture log = new LogCapture("dev.wasisockets.abi.Preview1Imports")) {
      NetworkPolicy policy =
          NetworkPolicy.builder()
              .allow(NetworkUse.TCP_CONNECT, "127.0.0.1:" + server.port())
              .build();

      Result result =
          GuestRun.run(
              GuestFixture.WASMEDGE_TCP_CLIENT.bytes(),
              mode,
              policy,
              new BuggyTransport(new IllegalStateException("a bug in openTcp")),
              "127.0.0.1",
              "" + server.port(),
              "hello");

      assertThat(result.exitCode()).isEqualTo(EIO);
      assertThat(result.stderr()).isEqualTo("sock_open failed: errno 29\n");
      assertThat(log.lines())
          .singleElement()
          .asString()
          .startsWith("sock_open: a bug in the host, EIO for the guest: ")
          .contains("java.lang.IllegalStateException: a bug in openTcp");
      assertThat(log.thrown())
          .singleElement(InstanceOfAssertFactories.THROWABLE)
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("a bug in openTcp");
    }
  }

  @Test
  @Timeout(60)
  void chicorysOwnExceptionsPassAsTheyWouldWithoutUs() throws Exception {
    // ChicoryInterruptedException is how Chicory stops a guest whose thread was interrupted (as
    // WasiExitException is proc_exit): it must end the guest, not become an errno.
    try (LogCapture log = new LogCapture("dev.wasisockets.abi.Preview1Imports")) {
      NetworkPolicy policy = NetworkPolicy.builder().allow(NetworkUse.TCP_CONNECT, "*").build();
      Transport interrupted = new BuggyTransport(new ChicoryInterruptedException("interrupted"));

      assertThatThrownBy(
              () ->
                  GuestRun.run(
                      GuestFixture.WASMEDGE_TCP_CLIENT.bytes(),
                      Mode.INTERPRETER,
                      policy,
                      interrupted,
                      "127.0.0.1",
                      "9",
                      "hello"))
          .isInstanceOf(ChicoryInterruptedException.class);
      assertThat(log.lines()).isEmpty();
    }
  }

  /** The direct transport, but opening a TCP socket throws {@code failure}: unchecked. */
  private static final class BuggyTransport extends ForwardingTransport {
    private final RuntimeException failure;

    BuggyTransport(RuntimeException failure) {
      super(new DirectTransport());
      this.failure = failure;
    }

    @Override
    public TcpChannel openTcp(StandardProtocolFamily family) {
      throw failure;
    }
  }
}
