package dev.wasisockets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.GuestRun.Mode;
import dev.wasisockets.GuestRun.Result;
import dev.wasisockets.GuestRun.Server;
import dev.wasisockets.ScenarioNetwork.Acceptor;
import dev.wasisockets.ScenarioNetwork.Kind;
import dev.wasisockets.ScenarioNetwork.Link;
import dev.wasisockets.core.NetworkStatistics;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 14's "statistics count the same": one guest exchange, run on the direct transport over
 * loopback and on a virtual network, leaves each guest's {@link NetworkStatistics} the same: the
 * policy's decisions per use (allowed and denied), the bytes each way. Each is also checked against
 * what the exchange must count, so two transports that both counted nothing would fail.
 */
@Timeout(60)
class StatisticsParityTest {
  private static final Mode MODE = Mode.COMPILER;

  /** What a guest's statistics say, the throttled time aside (no limit here: it stays 0). */
  record Counts(
      Map<NetworkUse, Long> allowed, Map<NetworkUse, Long> denied, long sent, long received) {
    static Counts of(NetworkStatistics statistics) {
      assertThat(statistics.throttledNanos()).as("throttled without a limit").isZero();
      Map<NetworkUse, Long> allowed = new LinkedHashMap<>();
      Map<NetworkUse, Long> denied = new LinkedHashMap<>();
      for (NetworkUse use : NetworkUse.values()) {
        allowed.put(use, statistics.allowed(use));
        denied.put(use, statistics.denied(use));
      }
      return new Counts(allowed, denied, statistics.bytesSent(), statistics.bytesReceived());
    }

    /** Counts with the given decisions ("allowed" or "denied" uses), bytes sent and received. */
    static Counts expect(
        List<NetworkUse> allowedUses, List<NetworkUse> deniedUses, long sent, long received) {
      Map<NetworkUse, Long> allowed = new LinkedHashMap<>();
      Map<NetworkUse, Long> denied = new LinkedHashMap<>();
      for (NetworkUse use : NetworkUse.values()) {
        allowed.put(use, allowedUses.stream().filter(use::equals).count());
        denied.put(use, deniedUses.stream().filter(use::equals).count());
      }
      return new Counts(allowed, denied, sent, received);
    }
  }

  /** An exchange between guests and Java peers; it gives each guest's counts, in a fixed order. */
  enum Exchange {
    /**
     * The lookup client resolves the server's name, connects, sends "hello, peer\n" (12 bytes) and
     * reads "echo: hello, peer\n" (18).
     */
    LOOKUP_AND_LINE(
        Counts.expect(List.of(NetworkUse.LOOKUP, NetworkUse.TCP_CONNECT), List.of(), 12, 18)) {
      @Override
      List<Counts> run(ScenarioNetwork network) throws Exception {
        try (Acceptor acceptor = network.listen()) {
          var served = acceptor.serveOneLine();
          NetworkPolicy policy =
              NetworkPolicy.builder()
                  .allowLookup()
                  .allow(NetworkUse.TCP_CONNECT, network.serverName() + ":" + acceptor.port())
                  .build();
          Result client =
              GuestRun.run(
                  GuestFixture.WASMEDGE_LOOKUP_CLIENT.bytes(),
                  MODE,
                  policy,
                  network.clientTransport(),
                  network.serverName(),
                  "" + acceptor.port(),
                  "hello, peer");
          assertThat(served.get(30, TimeUnit.SECONDS)).startsWith("hello, peer\n");
          assertThat(client.stdout()).isEqualTo("echo: hello, peer\n");
          return List.of(Counts.of(client.statistics()));
        }
      }
    },

    /** A connect the policy denies: one denial, no byte. */
    DENIED_CONNECT(Counts.expect(List.of(), List.of(NetworkUse.TCP_CONNECT), 0, 0)) {
      @Override
      List<Counts> run(ScenarioNetwork network) throws Exception {
        try (Acceptor acceptor = network.listen()) {
          NetworkPolicy neighbour =
              NetworkPolicy.builder()
                  .allow(
                      NetworkUse.TCP_CONNECT, network.serverAddress() + ":" + (acceptor.port() + 1))
                  .build();
          Result client =
              GuestRun.run(
                  GuestFixture.WASMEDGE_TCP_CLIENT.bytes(),
                  MODE,
                  neighbour,
                  network.clientTransport(),
                  network.serverAddress(),
                  "" + acceptor.port(),
                  "in?");
          assertThat(client.exitCode()).isEqualTo(2); // EACCES
          return List.of(Counts.of(client.statistics()));
        }
      }
    },

    /**
     * The poll echo server, on its preopened listener (no decision: the host opened it), echoes
     * three Java clients' 1,000, 71,000 and 141,000 bytes.
     */
    ECHO_SERVER(Counts.expect(List.of(), List.of(), 213_000, 213_000)) {
      @Override
      List<Counts> run(ScenarioNetwork network) throws Exception {
        try (Server server =
            GuestRun.serve(
                GuestFixture.C_POLL_ECHO_SERVER.bytes(),
                MODE,
                WasiSockets.builder().withTransport(network.serverTransport()),
                network.listenAddress(),
                "3")) {
          for (int i = 0; i < 3; i++) {
            try (Link client = network.connect(server.port())) {
              byte[] message = new byte[1000 + i * 70_000];
              Arrays.fill(message, (byte) ('a' + i));
              client.out().write(message);
              client.shutdownOutput();
              assertThat(client.in().readAllBytes()).isEqualTo(message);
            }
          }
          Result result = server.join();
          assertThat(result.stdout()).isEqualTo("served 3\n");
          return List.of(Counts.of(result.statistics()));
        }
      }
    },

    /**
     * The WasmEdge server binds (one decision), echoes "one" and "three"; the C client's connect to
     * it (one decision) sends and reads "three\n" (6 bytes each way).
     */
    GUEST_TO_GUEST_TCP(
        Counts.expect(List.of(NetworkUse.BIND), List.of(), 6, 6),
        Counts.expect(List.of(NetworkUse.TCP_CONNECT), List.of(), 6, 6)) {
      @Override
      List<Counts> run(ScenarioNetwork network) throws Exception {
        int port = network.freePort();
        NetworkPolicy bind =
            NetworkPolicy.builder()
                .allow(NetworkUse.BIND, network.serverAddress() + ":" + port)
                .build();
        try (Server server =
            GuestRun.start(
                GuestFixture.WASMEDGE_TCP_SERVER.bytes(),
                MODE,
                bind,
                network.serverTransport(),
                network.serverAddress(),
                "" + port,
                "1")) {
          // Listening: it waits in its accept (a Java probe's connection would be served instead).
          assertThat(ScenarioNetwork.waitsToAccept(server.thread())).isTrue();
          Result client =
              GuestRun.run(
                  GuestFixture.WASMEDGE_TCP_CLIENT.bytes(),
                  MODE,
                  NetworkPolicy.builder()
                      .allow(NetworkUse.TCP_CONNECT, network.serverAddress() + ":" + port)
                      .build(),
                  network.clientTransport(),
                  network.serverAddress(),
                  "" + port,
                  "three");
          assertThat(client.stdout()).isEqualTo("three\n");
          Result served = server.join();
          assertThat(served.stdout()).isEqualTo("listening on " + port + "\nserved 1\n");
          return List.of(Counts.of(served.statistics()), Counts.of(client.statistics()));
        }
      }
    },

    /**
     * The UDP echo guest binds (one decision) and sends three datagrams back (a decision each); the
     * UDP client looks its name up (one) and sends three (a decision each): "datagram 0" to
     * "datagram 2", 30 bytes each way for both.
     */
    GUEST_TO_GUEST_UDP(
        Counts.expect(
            List.of(NetworkUse.BIND, NetworkUse.UDP_SEND, NetworkUse.UDP_SEND, NetworkUse.UDP_SEND),
            List.of(),
            30,
            30),
        Counts.expect(
            List.of(
                NetworkUse.LOOKUP, NetworkUse.UDP_SEND, NetworkUse.UDP_SEND, NetworkUse.UDP_SEND),
            List.of(),
            30,
            30)) {
      @Override
      List<Counts> run(ScenarioNetwork network) throws Exception {
        int port = network.freeUdpPort();
        NetworkPolicy echoPolicy =
            NetworkPolicy.builder()
                .allow(NetworkUse.BIND, network.serverAddress() + ":" + port)
                .allow(NetworkUse.UDP_SEND, network.clientAddress())
                .build();
        try (Server echo =
            GuestRun.start(
                GuestFixture.WASMEDGE_UDP_ECHO.bytes(),
                MODE,
                echoPolicy,
                network.serverTransport(),
                network.serverAddress(),
                "" + port,
                "3")) {
          assertThat(ScenarioNetwork.waitsToReceive(echo.thread())).isTrue();
          Result client =
              GuestRun.run(
                  GuestFixture.WASMEDGE_UDP_CLIENT.bytes(),
                  MODE,
                  NetworkPolicy.builder()
                      .allowLookup()
                      .allow(NetworkUse.UDP_SEND, network.serverName() + ":" + port)
                      .build(),
                  network.clientTransport(),
                  network.serverName(),
                  "" + port,
                  "3");
          assertThat(client.stdout()).endsWith("received 3\n");
          Result echoed = echo.join();
          assertThat(echoed.stdout()).isEqualTo("echoed 3\n");
          return List.of(Counts.of(echoed.statistics()), Counts.of(client.statistics()));
        }
      }
    };

    private final List<Counts> expected;

    Exchange(Counts... expected) {
      this.expected = List.of(expected);
    }

    abstract List<Counts> run(ScenarioNetwork network) throws Exception;
  }

  @ParameterizedTest
  @EnumSource(Exchange.class)
  void theVirtualNetworkCountsWhatLoopbackCounts(Exchange exchange) throws Exception {
    List<Counts> onLoopback;
    try (ScenarioNetwork network = Kind.LOOPBACK.open()) {
      onLoopback = exchange.run(network);
    }
    List<Counts> onVirtual;
    try (ScenarioNetwork network = Kind.VIRTUAL.open()) {
      onVirtual = exchange.run(network);
    }

    assertThat(onVirtual).isEqualTo(onLoopback);
    assertThat(onLoopback).isEqualTo(exchange.expected);
  }
}
