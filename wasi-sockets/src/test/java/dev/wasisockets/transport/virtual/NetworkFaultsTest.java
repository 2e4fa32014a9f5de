package dev.wasisockets.transport.virtual;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasisockets.transport.ConnectionResetException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each fault of {@link NetworkFaults}, seen by Java members: what arrives, when at the earliest
 * (never sooner than the fault says: a lower bound holds however loaded the machine is), and what a
 * call gets instead. Every wait is bounded, so a fault that hung would fail the test.
 */
@Timeout(30)
class NetworkFaultsTest {
  private static final int PORT = 7000;

  private final VirtualNetwork network = VirtualNetwork.create();
  private final VirtualHost server = network.host("server"); // 10.0.0.1
  private final VirtualHost client = network.host("client"); // 10.0.0.2
  private final InetSocketAddress serverAt = new InetSocketAddress(address("10.0.0.1"), PORT);

  @Test
  void latencyDelaysTheHandshakeByARoundTripAndBytesByOneWay() throws Exception {
    network.faults().between(client, server).latency(Duration.ofMillis(100));
    try (VirtualListener listener = server.listen(PORT)) {
      long started = System.nanoTime();
      VirtualConnection connection = client.connect(serverAt);
      assertThat(elapsedMillis(started)).isGreaterThanOrEqualTo(200);

      VirtualConnection accepted = listener.accept(Duration.ofSeconds(10));
      long sent = System.nanoTime();
      connection.getOutputStream().write("late".getBytes(StandardCharsets.US_ASCII));
      assertThat(readFully(accepted.getInputStream(), 4)).isEqualTo("late");
      assertThat(elapsedMillis(sent)).isGreaterThanOrEqualTo(100);

      // The end of the stream comes after the bytes, and no sooner than they would.
      long finished = System.nanoTime();
      connection.shutdownOutput();
      assertThat(accepted.getInputStream().read()).isEqualTo(-1);
      assertThat(elapsedMillis(finished)).isGreaterThanOrEqualTo(100);
    }
  }

  @Test
  void bandwidthPacesTheBytesAndKeepsEveryOneInOrder() throws Exception {
    network.faults().link(client, server).bandwidth(8_000_000); // a megabyte a second
    byte[] sent = new byte[512 * 1024];
    new Random(1).nextBytes(sent);
    try (VirtualListener listener = server.listen(PORT)) {
      VirtualConnection connection = client.connect(serverAt);
      VirtualConnection accepted = listener.accept(Duration.ofSeconds(10));
      long started = System.nanoTime();
      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                try {
                  connection.write(ByteBuffer.wrap(sent));
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });

      byte[] received = accepted.getInputStream().readNBytes(sent.length);

      // 4 Mbit take half a second at 8 Mbit/s: no byte can arrive before its turn.
      assertThat(elapsedMillis(started)).isGreaterThanOrEqualTo(500);
      assertThat(Arrays.equals(received, sent)).isTrue();
      writer.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void theSameSeedLosesTheSameDatagrams() throws Exception {
    List<Integer> first = survivors(42, 0.3, 0, 0);
    List<Integer> again = survivors(42, 0.3, 0, 0);
    List<Integer> otherSeed = survivors(7, 0.3, 0, 0);

    assertThat(first).isEqualTo(again).isNotEqualTo(otherSeed);
    assertThat(first.size()).isBetween(100, 180); // about 140 of 200
    assertThat(first).isSorted().doesNotHaveDuplicates();
  }

  @Test
  void duplicationDeliversSomeDatagramsTwice() throws Exception {
    List<Integer> received = survivors(42, 0, 0.25, 0);

    assertThat(received.size()).isBetween(220, 280); // about 250 of 200 sent
    assertThat(received.stream().distinct().count()).isEqualTo(200);
    assertThat(received).isEqualTo(survivors(42, 0, 0.25, 0));
  }

  @Test
  void reorderingLetsLaterDatagramsOvertakeAndLosesNone() throws Exception {
    List<Integer> received = survivors(42, 0, 0, 0.3);

    assertThat(received).hasSize(200).doesNotHaveDuplicates().isNotEqualTo(sorted(received));
  }

  @Test
  void aPartitionHoldsBytesUntilHealedAndTimesConnectsOut() throws Exception {
    network.faults().connectTimeout(Duration.ofMillis(300));
    try (VirtualListener listener = server.listen(PORT)) {
      VirtualConnection connection = client.connect(serverAt);
      VirtualConnection accepted = listener.accept(Duration.ofSeconds(10));

      network.faults().partition(client, server);
      connection.getOutputStream().write("held".getBytes(StandardCharsets.US_ASCII));
      CompletableFuture<String> read =
          CompletableFuture.supplyAsync(() -> readFully(accepted.getInputStream(), 4));
      long started = System.nanoTime();
      assertThatThrownBy(() -> client.connect(serverAt))
          .isInstanceOf(SocketTimeoutException.class)
          .hasMessage("Connection timed out");
      assertThat(elapsedMillis(started)).isGreaterThanOrEqualTo(300);
      assertThat(read).isNotDone(); // the bytes cannot cross while the hosts are apart

      network.faults().heal(client, server);
      assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo("held");
      client.connect(serverAt).close(); // and connects go through again
    }
  }

  @Test
  void aDatagramSentAcrossAPartitionIsLost() throws Exception {
    try (VirtualDatagramSocket receiver = server.openUdp(serverAt);
        VirtualDatagramSocket sender = client.openUdp(new InetSocketAddress(0))) {
      network.faults().partition(client, server);
      sender.send(ascii("lost"), serverAt);
      network.faults().heal(client, server);
      sender.send(ascii("after"), serverAt);

      ByteBuffer in = ByteBuffer.allocate(16);
      receiver.receive(in, Duration.ofSeconds(10));
      assertThat(text(in)).isEqualTo("after");
      assertThatThrownBy(() -> receiver.receive(ByteBuffer.allocate(16), Duration.ZERO))
          .isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void aConnectToABlackholedAddressTimesOutInsteadOfFailingAtOnce() throws Exception {
    InetSocketAddress down = new InetSocketAddress(address("10.9.9.9"), PORT);
    assertThatThrownBy(() -> client.connect(down)).isInstanceOf(NoRouteToHostException.class);

    network.faults().connectTimeout(Duration.ofMillis(200)).blackhole(address("10.9.9.9"));
    long started = System.nanoTime();
    assertThatThrownBy(() -> client.connect(down)).isInstanceOf(SocketTimeoutException.class);
    assertThat(elapsedMillis(started)).isGreaterThanOrEqualTo(200);

    network.faults().healAll();
    assertThatThrownBy(() -> client.connect(down)).isInstanceOf(NoRouteToHostException.class);
  }

  @Test
  void aBlackholedHostIsCutFromEveryOtherButStillReachesItself() throws Exception {
    network.faults().connectTimeout(Duration.ofMillis(200)).blackhole(server);
    try (VirtualListener listener = server.listen(PORT)) {
      assertThatThrownBy(() -> client.connect(serverAt)).isInstanceOf(SocketTimeoutException.class);
      try (VirtualConnection itself =
          server.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), PORT))) {
        assertThat(listener.accept(Duration.ofSeconds(10)).remoteAddress())
            .isEqualTo(itself.localAddress());
      }
    }
  }

  @Test
  void resettingAConnectionResetsBothEnds() throws Exception {
    try (VirtualListener listener = server.listen(PORT)) {
      VirtualConnection connection = client.connect(serverAt);
      VirtualConnection accepted = listener.accept(Duration.ofSeconds(10));
      VirtualConnection other = client.connect(serverAt);
      VirtualConnection otherAccepted = listener.accept(Duration.ofSeconds(10));
      connection.getOutputStream().write(ascii("unread").array());

      assertThat(
              network.faults().resetConnection(accepted.localAddress(), connection.localAddress()))
          .isTrue();

      assertThatThrownBy(() -> accepted.read(ByteBuffer.allocate(8)))
          .isInstanceOf(ConnectionResetException.class);
      assertThatThrownBy(() -> connection.write(ascii("more")))
          .isInstanceOf(ConnectionResetException.class);
      // The other connection of the same two hosts is untouched.
      other.getOutputStream().write('x');
      assertThat(otherAccepted.getInputStream().read()).isEqualTo('x');
    }
  }

  @Test
  void resettingAHostsConnectionsCountsThemAndReachesThoseInTheAcceptQueue() throws Exception {
    try (VirtualListener listener = server.listen(PORT)) {
      VirtualConnection established = client.connect(serverAt);
      listener.accept(Duration.ofSeconds(10));
      VirtualConnection queued = client.connect(serverAt); // not accepted yet

      assertThat(network.faults().resetConnections(client)).isEqualTo(2);

      assertThatThrownBy(() -> established.read(ByteBuffer.allocate(8)))
          .isInstanceOf(ConnectionResetException.class);
      assertThatThrownBy(() -> listener.accept(Duration.ofSeconds(10)).read(ByteBuffer.allocate(8)))
          .isInstanceOf(ConnectionResetException.class);
      assertThatThrownBy(() -> queued.read(ByteBuffer.allocate(8)))
          .isInstanceOf(ConnectionResetException.class);
      assertThat(network.faults().resetConnections(server)).isZero(); // reset once, and done
    }
  }

  /**
   * A writer on a slow link that nobody waits on still leaves only the wake-ups still to come: at
   * most the latency's worth of ticks, however long it writes.
   */
  @Test
  void theWakeUpsAFaultLeavesAreBoundedByItsDelay() throws Exception {
    network.faults().link(client, server).latency(Duration.ofMillis(5));
    try (VirtualListener listener = server.listen(PORT);
        VirtualConnection connection = client.connect(serverAt)) {
      listener.accept(Duration.ofSeconds(10)); // and never read: nobody waits on the network
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
      while (System.nanoTime() < until) {
        connection.write(ascii("x")); // 100 ms of one-byte writes: far below the 256 KiB
        Thread.sleep(0, 50_000);
      }
      assertThat(network.pendingWakeUps()).isLessThanOrEqualTo((int) (5_000_000 / Link.TICK) + 2);
    }
  }

  @Test
  void faultsAreCheckedWhenSet() throws Exception {
    VirtualHost stranger = VirtualNetwork.create().host("stranger");
    assertThatThrownBy(() -> network.faults().partition(client, stranger))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not on this network");
    assertThatThrownBy(() -> network.faults().blackhole(address("10.0.0.1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("blackhole the host");
    assertThatThrownBy(() -> network.faults().between(client, server).loss(1.5))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> network.faults().between(client, server).loss(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> network.faults().link(client, server).latency(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> network.faults().connectTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void clearingTheFaultsMakesTheLinkClearAgain() throws Exception {
    network.faults().between(client, server).latency(Duration.ofSeconds(5)).loss(1);
    network.faults().blackhole(server).clear();
    try (VirtualListener listener = server.listen(PORT);
        VirtualConnection connection = client.connect(serverAt)) {
      connection.getOutputStream().write('x');
      assertThat(listener.accept(Duration.ofSeconds(10)).getInputStream().read()).isEqualTo('x');
    }
  }

  /**
   * The sequence numbers a UDP receiver on a fresh network gets of 200 datagrams sent under {@code
   * seed} with the given faults, in the order received, once all are due.
   */
  private static List<Integer> survivors(
      long seed, double loss, double duplication, double reordering) throws Exception {
    VirtualNetwork network = VirtualNetwork.create();
    VirtualHost to = network.host("to");
    VirtualHost from = network.host("from");
    network.faults().seed(seed);
    network.faults().link(from, to).loss(loss).duplication(duplication).reordering(reordering);
    InetSocketAddress target = new InetSocketAddress(to.addresses().get(0), 53);
    List<Integer> received = new ArrayList<>();
    try (VirtualDatagramSocket receiver = to.openUdp(target);
        VirtualDatagramSocket sender = from.openUdp(new InetSocketAddress(0))) {
      for (int i = 0; i < 200; i++) {
        sender.send(ByteBuffer.allocate(4).putInt(0, i), target);
      }
      Thread.sleep(20); // every held-back datagram (by 1 ms) is due by then
      while (true) {
        ByteBuffer in = ByteBuffer.allocate(4);
        try {
          receiver.receive(in, Duration.ZERO);
        } catch (SocketTimeoutException e) {
          return received;
        }
        received.add(in.getInt(0));
      }
    }
  }

  private static List<Integer> sorted(List<Integer> list) {
    return list.stream().sorted().toList();
  }

  private static String readFully(InputStream in, int count) {
    try {
      return new String(in.readNBytes(count), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }

  private static long elapsedMillis(long startedNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
  }

  private static ByteBuffer ascii(String text) {
    return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
  }

  private static String text(ByteBuffer buffer) {
    buffer.flip();
    return StandardCharsets.US_ASCII.decode(buffer).toString();
  }

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
