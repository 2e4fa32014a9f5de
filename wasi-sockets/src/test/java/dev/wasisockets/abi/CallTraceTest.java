package dev.wasisockets.abi;

import static dev.wasisockets.abi.RawAbiGuest.COUNT_OUT;
import static dev.wasisockets.abi.RawAbiGuest.DATA;
import static dev.wasisockets.abi.RawAbiGuest.FD_OUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasisockets.EchoClient;
import dev.wasisockets.GuestRun;
import dev.wasisockets.GuestRun.Mode;
import dev.wasisockets.GuestRun.Result;
import dev.wasisockets.LoopbackLineServer;
import dev.wasisockets.WasiSockets;
import dev.wasisockets.abi.RawAbiGuest.MemoryKind;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.net.InetAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code --trace}'s lines, from real guests on real loopback sockets, one dialect at a time: each
 * call decoded as a person reads it, its result, a denial's rule, a bad pointer as it was passed.
 */
class CallTraceTest {
  private static final Pattern LINE = Pattern.compile("(\\d+\\.\\d{6}) (.*)");
  private static final byte[] CLIENT = GuestFixture.WASMEDGE_TCP_CLIENT.bytes();

  private final List<String> lines = new ArrayList<>();

  @Test
  void aWasmEdgeClientsSocketCallsAreALineEachAndItsStdoutIsNot() throws Exception {
    try (LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
      Result result =
          runClient(server.port(), allowConnect(server.port()), CallTrace.to(lines::add));

      assertThat(result.stdout()).isEqualTo("echo: hello, peer\n"); // fd_write(1): not a socket
      assertThat(calls())
          .containsExactly(
              "sock_open(INET4, STREAM) = fd 3",
              "sock_connect(fd 3, 127.0.0.1:" + server.port() + ") = 0",
              "sock_send(fd 3, 12 bytes) = 12",
              "sock_recv(fd 3, 4096) = 18",
              "sock_shutdown(fd 3, SHUT_WR) = 0",
              "fd_close(fd 3) = 0");
    }
  }

  @Test
  void timesAreSecondsSinceTheSocketsWereSetUpInCallOrder() throws Exception {
    try (LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
      runClient(server.port(), allowConnect(server.port()), CallTrace.to(lines::add));
    }

    double previous = 0;
    for (String line : lines) {
      Matcher matcher = LINE.matcher(line);
      assertThat(matcher.matches()).as(line).isTrue();
      double seconds = Double.parseDouble(matcher.group(1));
      assertThat(seconds).isGreaterThanOrEqualTo(previous);
      previous = seconds;
    }
  }

  @Test
  void dataIsShownOnlyWhenAskedUpToTheBytesAsked() throws Exception {
    try (LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
      runClient(
          server.port(), allowConnect(server.port()), CallTrace.to(lines::add).showingData(6));
    }

    assertThat(calls())
        .contains(
            "sock_send(fd 3, 12 bytes) = 12 \"hello,\"...",
            "sock_recv(fd 3, 4096) = 18 \"echo: \"...");
  }

  @Test
  void aDeniedConnectIsEaccesWithTheRuleThatDecided() throws Exception {
    try (LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
      // A grant for the neighbouring port only.
      runClient(server.port(), allowConnect(server.port() + 1), CallTrace.to(lines::add));

      assertThat(calls())
          .contains(
              "sock_connect(fd 3, 127.0.0.1:" + server.port() + ") = EACCES (rule: default deny)");
    }
  }

  @Test
  void aPreview1ServerAcceptsReceivesSendsAndShutsDown() throws Exception {
    try (GuestRun.Server server =
            GuestRun.serve(
                GuestFixture.C_PREVIEW1_ECHO_SERVER.bytes(),
                Mode.COMPILER,
                WasiSockets.builder().withTrace(CallTrace.to(lines::add)));
        Socket client = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      assertThat(EchoClient.exchange(client, "ping")).isEqualTo("ping");
      assertThat(server.join().exitCode()).isZero();
    }

    assertThat(calls())
        .startsWith(
            "poll_oneoff([fd 3 read]) = 1 event [fd 3 read]", "sock_accept(fd 3, flags 0) = fd 4")
        .contains("sock_recv(fd 4, 4096) = 4", "sock_send(fd 4, 4 bytes) = 4")
        .endsWith("fd_close(fd 4) = 0");
  }

  @Test
  void theLegacyDialectsConnectTakesTheAddressInItsArguments() {
    GuestRun.run(
        GuestFixture.AS_HTTP_CLIENT.bytes(),
        Mode.COMPILER,
        WasiSockets.builder().withTrace(CallTrace.to(lines::add)),
        "127.0.0.1",
        "9",
        "/page");

    assertThat(calls()).containsExactly("sock_connect(127.0.0.1:9) = EACCES (rule: default deny)");
  }

  @Test
  void aBadPointerIsShownAsTheGuestPassedItBesideItsEfault() throws Exception {
    try (RawAbiGuest guest = tracedRawGuest(false)) {
      int fd = guest.openSocket();
      guest.call("sock_connect", fd, 0xFFFF_FFF0L, 80);
      guest.call("sock_send", fd, 0xFFFF_FFF0L, 1, 0, COUNT_OUT);
    }

    assertThat(calls())
        .containsExactly(
            "sock_open(INET4, STREAM) = fd 3",
            "sock_connect(fd 3, 0xfffffff0 port 80) = EFAULT",
            "sock_send(fd 3, iovs 0xfffffff0 (1)) = EFAULT");
  }

  @Test
  void aPollAndAnAcceptOnAPreopenedListener() throws Exception {
    try (RawAbiGuest guest = tracedRawGuest(true);
        Socket client = new Socket(InetAddress.getLoopbackAddress(), guest.listenerPort())) {
      // One subscription: userdata 7, FD_READ of fd 3; its event goes 64 bytes further.
      guest.memory().writeLong(DATA, 7);
      guest.memory().writeByte(DATA + 8, (byte) 1);
      guest.memory().writeI32(DATA + 16, 3);
      assertThat(guest.call("poll_oneoff", DATA, DATA + 64, 1, COUNT_OUT)).isZero();
      assertThat(guest.call("sock_accept", 3, 0, FD_OUT)).isZero();
    }

    assertThat(calls())
        .containsExactly(
            "poll_oneoff([fd 3 read]) = 1 event [fd 3 read]", "sock_accept(fd 3, flags 0) = fd 4");
  }

  @Test
  void onlyTheCallsAskedForAreTraced() throws Exception {
    try (LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
      runClient(
          server.port(),
          allowConnect(server.port()),
          CallTrace.to(lines::add).only(Set.of("sock_connect", "fd_close")));

      assertThat(calls())
          .containsExactly(
              "sock_connect(fd 3, 127.0.0.1:" + server.port() + ") = 0", "fd_close(fd 3) = 0");
    }
  }

  @Test
  void aCallThatIsNotTraceableIsRefusedByName() {
    assertThatThrownBy(() -> CallTrace.to(lines::add).only(Set.of("sock_connect", "sock_frob")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "not a traceable call: sock_frob (traceable: epoll_oneoff, fd_close");
  }

  private Result runClient(int port, NetworkPolicy policy, CallTrace trace) {
    return GuestRun.run(
        CLIENT,
        Mode.COMPILER,
        WasiSockets.builder().withPolicy(policy).withTrace(trace),
        "127.0.0.1",
        "" + port,
        "hello, peer");
  }

  private RawAbiGuest tracedRawGuest(boolean preopenListener) throws Exception {
    return new RawAbiGuest(
        preopenListener,
        RawAbiGuest.MODULE,
        NetworkPolicy.builder(),
        MemoryKind.DIRECT,
        CallTrace.to(lines::add));
  }

  private static NetworkPolicy allowConnect(int port) {
    return NetworkPolicy.builder().allow(NetworkUse.TCP_CONNECT, "127.0.0.1:" + port).build();
  }

  /** The lines without their times. */
  private List<String> calls() {
    List<String> calls = new ArrayList<>();
    for (String line : lines) {
      Matcher matcher = LINE.matcher(line);
      assertThat(matcher.matches()).as(line).isTrue();
      calls.add(matcher.group(2));
    }
    return calls;
  }
}
