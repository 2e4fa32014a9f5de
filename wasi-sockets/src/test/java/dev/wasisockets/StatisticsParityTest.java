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
import dev.wasisockets.policy.Limits;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
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
      List<Counts> run(ScenarioNetwork network, List<Thread> guests) throws Exception {
        guests.add(Thread.currentThread());
        try (Acceptor acceptor = network.listen()) {
          CompletableFuture<String> served = acceptor.serveOneLine();
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
      List<Counts> run(ScenarioNetwork network, List<Thread> guests) throws Exception {
        guests.add(Thread.currentThread());
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
      List<Counts> run(ScenarioNetwork network, List<Thread> guests) throws Exception {
        try (Server server =
            GuestRun.serve(
                GuestFixture.C_POLL_ECHO_SERVER.bytes(),
                MODE,
                WasiSockets.builder().withTransport(network.serverTransport()),
                network.listenAddress(),
                "3")) {
          guests.add(server.thread());
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
      List<Counts> run(ScenarioNetwork network, List<Thread> guests) throws Exception {
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
          guests.add(server.thread());
          guests.add(Thread.currentThread());
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
      List<Counts> run(ScenarioNetwork network, List<Thread> guests) throws Exception {
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
          guests.add(echo.thread());
          guests.add(Thread.currentThread());
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

    /** Runs the exchange; adds each guest's thread to {@code guests}. */
    abstract List<Counts> run(ScenarioNetwork network, List<Thread> guests) throws Exception;
  }

  @ParameterizedTest
  @EnumSource(Exchange.class)
  void theVirtualNetworkCountsWhatLoopbackCounts(Exchange exchange) throws Exception {
    List<Counts> onLoopback;
    try (ScenarioNetwork network = Kind.LOOPBACK.open()) {
      onLoopback = exchange.run(network, new ArrayList<>());
    }
    List<Counts> onVirtual;
    try (ScenarioNetwork network = Kind.VIRTUAL.open()) {
      onVirtual = exchange.run(network, new ArrayList<>());
    }

    assertThat(onVirtual).isEqualTo(onLoopback);
    assertThat(onLoopback).isEqualTo(exchange.expected);
  }

  /**
   * A bandwidth limit holds the guest back on both transports alike: the benchmark client sends
   * 300,000 bytes at 200,000 bytes/s (one second of burst), so it waits on both, and every byte is
   * counted and arrives. (How long it waits is the clock's, not asserted.)
   */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void aBandwidthLimitThrottlesTheGuestAndCountsItsBytes(Kind kind) throws Exception {
    int bytes = 300_000;
    try (ScenarioNetwork network = kind.open();
        Acceptor acceptor = network.listen()) {
      var sunk =
          CompletableFuture.supplyAsync(
              () -> {
                try (Link connection = acceptor.accept()) {
                  return connection.in().transferTo(OutputStream.nullOutputStream());
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
      NetworkPolicy policy =
          NetworkPolicy.builder()
              .allow(NetworkUse.TCP_CONNECT, network.serverAddress() + ":" + acceptor.port())
              .limits(Limits.NONE.withBytesPerSecond(200_000))
              .build();

      Result client =
          GuestRun.run(
              GuestFixture.BENCH_CLIENT.bytes(),
              MODE,
              policy,
              network.clientTransport(),
              "send",
              network.serverAddress(),
              "" + acceptor.port(),
              "" + bytes,
              "30000");

      assertThat(client.stdout()).isEqualTo("done " + bytes + "\n");
      assertThat(sunk.get(30, TimeUnit.SECONDS)).isEqualTo((long) bytes);
      assertThat(client.statistics().bytesSent()).isEqualTo(bytes);
      assertThat(client.statistics().throttledNanos()).as("throttled").isPositive();
      assertThat(client.statistics().allowed(NetworkUse.TCP_CONNECT)).isEqualTo(1);
    }
  }

  /**
   * The Flight Recorder's side of the same exchanges: as many connects, accepts, closes, lookups
   * and policy decisions, each socket closing with the same bytes each way, and the sends' and
   * receives' bytes adding up to the statistics' (how the bytes were cut into calls may differ: a
   * receive gets what has arrived).
   */
  @ParameterizedTest
  @EnumSource(Exchange.class)
  void theFlightRecorderCountsTheSameOnBoth(Exchange exchange, @TempDir Path dir) throws Exception {
    EventCounts onLoopback = recorded(exchange, Kind.LOOPBACK, dir);
    EventCounts onVirtual = recorded(exchange, Kind.VIRTUAL, dir);

    assertThat(onVirtual).isEqualTo(onLoopback);
    assertThat(onLoopback.bytesSent())
        .isEqualTo(exchange.expected.stream().mapToLong(Counts::sent).sum());
    assertThat(onLoopback.bytesReceived())
        .isEqualTo(exchange.expected.stream().mapToLong(Counts::received).sum());
  }

  /** What an exchange's events say, in forms that do not depend on how bytes were cut up. */
  record EventCounts(
      Map<String, Long> perType, List<String> closes, long bytesSent, long bytesReceived) {
    private static final List<String> COUNTED =
        List.of("SocketConnect", "SocketAccept", "SocketClose", "NameLookup", "PolicyDecision");

    static EventCounts of(List<RecordedEvent> events) {
      Map<String, Long> perType = new LinkedHashMap<>();
      for (String type : COUNTED) {
        perType.put(type, events.stream().filter(e -> type(e).equals(type)).count());
      }
      List<String> closes =
          events.stream()
              .filter(e -> type(e).equals("SocketClose"))
              .map(
                  e ->
                      e.getString("protocol")
                          + " sent "
                          + e.getLong("bytesSent")
                          + " received "
                          + e.getLong("bytesReceived"))
              .sorted()
              .toList();
      long sent =
          events.stream()
              .filter(e -> type(e).equals("SocketSend"))
              .mapToLong(e -> e.getLong("bytesSent"))
              .sum();
      long received =
          events.stream()
              .filter(e -> type(e).equals("SocketReceive"))
              .mapToLong(e -> e.getLong("bytesReceived"))
              .sum();
      return new EventCounts(perType, closes, sent, received);
    }

    private static String type(RecordedEvent event) {
      return event.getEventType().getName().substring(GuestEventRecording.PREFIX.length());
    }
  }

  private static EventCounts recorded(Exchange exchange, Kind kind, Path dir) throws Exception {
    Path kindDir = Files.createDirectories(dir.resolve(kind.name()));
    List<Thread> guests = new ArrayList<>();
    try (GuestEventRecording recording = GuestEventRecording.ofEverything();
        ScenarioNetwork network = kind.open()) {
      exchange.run(network, guests);
      return EventCounts.of(recording.eventsOf(guests, kindDir));
    }
  }
}
