package dev.wasisockets.transport.virtual;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasisockets.transport.ConnectionResetException;
import dev.wasisockets.transport.Readiness;
import dev.wasisockets.transport.ReadinessSet;
import dev.wasisockets.transport.TcpChannel;
import dev.wasisockets.transport.TcpListenerChannel;
import dev.wasisockets.transport.Transport;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The virtual transport as the core drives it (non-blocking channels and {@link Transport#await}),
 * against Java members: the Linux loopback semantics the guests rely on.
 */
@Timeout(30)
class VirtualTransportTest {
  private static final InetAddress ANY4 = address("0.0.0.0");
  private static final InetAddress LOOPBACK4 = address("127.0.0.1");

  private final VirtualNetwork network = VirtualNetwork.create();
  private final VirtualHost server = network.host("server");
  private final VirtualHost client = network.host("client");
  private final Transport guest = client.newTransport();

  @AfterEach
  void closeGuest() throws IOException {
    guest.close();
  }

  @Test
  void hostsGetAddressesFromTenSlashEightAndFd00AndResolveByName() throws Exception {
    assertThat(server.addresses()).containsExactly(address("10.0.0.1"), address("fd00::1"));
    assertThat(client.addresses()).containsExactly(address("10.0.0.2"), address("fd00::2"));
    VirtualHost chosen = network.host("chosen", address("192.168.7.7"));
    assertThat(chosen.addresses()).containsExactly(address("192.168.7.7"));

    assertThat(guest.resolve("SERVER")).containsExactly(address("10.0.0.1"), address("fd00::1"));
    assertThat(guest.resolve("chosen.")).containsExactly(address("192.168.7.7"));
    assertThat(guest.resolve("localhost")).containsExactly(LOOPBACK4, address("::1"));
    assertThat(guest.resolve("10.9.9.9")).containsExactly(address("10.9.9.9"));
    assertThatThrownBy(() -> guest.resolve("example.com")).isInstanceOf(UnknownHostException.class);
    assertThatThrownBy(() -> network.host("Server")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> network.host("other", address("10.0.0.1")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aSecondBindOfAPortIsInUseUntilTheFirstCloses() throws Exception {
    TcpChannel first = guest.openTcp(StandardProtocolFamily.INET);
    first.bind(new InetSocketAddress(ANY4, 8080));
    TcpChannel second = guest.openTcp(StandardProtocolFamily.INET);

    assertThatThrownBy(() -> second.bind(new InetSocketAddress(LOOPBACK4, 8080)))
        .isInstanceOf(BindException.class)
        .hasMessage("Address already in use");
    assertThatThrownBy(() -> second.bind(new InetSocketAddress(address("10.0.0.1"), 8080)))
        .isInstanceOf(BindException.class)
        .hasMessage("Cannot assign requested address"); // the server's address, not ours

    first.close();
    second.bind(new InetSocketAddress(LOOPBACK4, 8080));
    assertThat(second.localAddress()).isEqualTo(new InetSocketAddress(LOOPBACK4, 8080));
  }

  @Test
  void portZeroTakesTheNextFreeEphemeralPort() throws Exception {
    TcpChannel one = guest.openTcp(StandardProtocolFamily.INET);
    one.bind(new InetSocketAddress(ANY4, 0));
    TcpChannel two = guest.openTcp(StandardProtocolFamily.INET);
    two.bind(new InetSocketAddress(ANY4, 0));

    int port = one.localAddress().getPort();
    assertThat(port).isBetween(VirtualHost.FIRST_EPHEMERAL, VirtualHost.LAST_EPHEMERAL);
    assertThat(two.localAddress().getPort()).isEqualTo(port + 1);
  }

  @Test
  void aConnectToAPortNobodyListensOnIsRefusedAndToNoMemberUnreachable() throws Exception {
    TcpChannel channel = guest.openTcp(StandardProtocolFamily.INET);
    assertThatThrownBy(() -> channel.connect(new InetSocketAddress(address("10.0.0.1"), 9)))
        .isInstanceOf(ConnectException.class)
        .hasMessage("Connection refused");
    TcpChannel other = guest.openTcp(StandardProtocolFamily.INET);
    assertThatThrownBy(() -> other.connect(new InetSocketAddress(address("10.0.0.99"), 9)))
        .isInstanceOf(NoRouteToHostException.class);
  }

  @Test
  void loopbackReachesTheHostItselfOnly() throws Exception {
    try (VirtualListener onLoopback = server.listen(new InetSocketAddress(LOOPBACK4, 5000))) {
      // From the client, 127.0.0.1 is the client itself, where nobody listens.
      assertThatThrownBy(() -> client.connect(new InetSocketAddress(LOOPBACK4, 5000)))
          .isInstanceOf(ConnectException.class);
      // Nor is a listener on the server's loopback reached at the server's own address.
      assertThatThrownBy(() -> client.connect(new InetSocketAddress(address("10.0.0.1"), 5000)))
          .isInstanceOf(ConnectException.class);
      try (VirtualConnection self = server.connect(new InetSocketAddress(LOOPBACK4, 5000));
          VirtualConnection accepted = onLoopback.accept()) {
        assertThat(self.localAddress().getAddress()).isEqualTo(LOOPBACK4);
        assertThat(accepted.remoteAddress()).isEqualTo(self.localAddress());
        assertThat(accepted.localAddress()).isEqualTo(new InetSocketAddress(LOOPBACK4, 5000));
      }
    }
  }

  @Test
  void aGuestConnectionHasItsAddressesAndCarriesBytesBothWays() throws Exception {
    try (VirtualListener listener = server.listen(5000)) {
      TcpChannel channel = guest.openTcp(StandardProtocolFamily.INET);
      assertThat(channel.connect(new InetSocketAddress(address("10.0.0.1"), 5000))).isTrue();
      try (VirtualConnection accepted = listener.accept()) {
        assertThat(channel.remoteAddress())
            .isEqualTo(new InetSocketAddress(address("10.0.0.1"), 5000));
        assertThat(accepted.remoteAddress()).isEqualTo(channel.localAddress());
        assertThat(channel.localAddress().getAddress()).isEqualTo(address("10.0.0.2"));

        channel.write(new ByteBuffer[] {bytes("ping")});
        assertThat(readExactly(accepted, 4)).isEqualTo("ping");
        accepted.write(bytes("pong"));
        ByteBuffer dst = ByteBuffer.allocate(16);
        assertThat(channel.read(dst)).isEqualTo(4);
        assertThat(new String(dst.array(), 0, 4, StandardCharsets.UTF_8)).isEqualTo("pong");
        assertThat(channel.read(dst)).isZero(); // nothing more yet: a non-blocking read
      }
    }
  }

  @Test
  void aHalfClosedPeerGetsItsBytesThenTheEndAndMayStillSend() throws Exception {
    try (VirtualListener listener = server.listen(5000)) {
      TcpChannel channel = connectedChannel();
      try (VirtualConnection accepted = listener.accept()) {
        channel.write(new ByteBuffer[] {bytes("last words")});
        channel.shutdownOutput();

        assertThat(new String(accepted.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
            .isEqualTo("last words");
        accepted.write(bytes("reply"));
        accepted.shutdownOutput();

        ByteBuffer dst = ByteBuffer.allocate(16);
        assertThat(awaitOne(channel, Readiness.READ, -1)).isEqualTo(Readiness.READ);
        assertThat(channel.read(dst)).isEqualTo(5);
        assertThat(channel.read(dst)).isEqualTo(-1);
        assertThatThrownBy(() -> channel.write(new ByteBuffer[] {bytes("more")}))
            .isInstanceOf(ClosedChannelException.class); // EPIPE in the core
      }
    }
  }

  @Test
  void closingWithUnreadBytesResetsThePeerEitherWay() throws Exception {
    try (VirtualListener listener = server.listen(5000)) {
      // A Java member closes with the guest's bytes unread: the guest's read is a reset.
      TcpChannel channel = connectedChannel();
      VirtualConnection accepted = listener.accept();
      channel.write(new ByteBuffer[] {bytes("unread")});
      accepted.close();
      assertThat(awaitOne(channel, Readiness.READ | Readiness.WRITE, -1)).isNotZero();
      assertThatThrownBy(() -> channel.read(ByteBuffer.allocate(8)))
          .isInstanceOf(ConnectionResetException.class);

      // The guest closes with the member's bytes unread: the member's read is a reset.
      TcpChannel second = connectedChannel();
      VirtualConnection member = listener.accept();
      member.write(bytes("unread too"));
      second.close();
      assertThatThrownBy(() -> member.read(ByteBuffer.allocate(8)))
          .isInstanceOf(ConnectionResetException.class);

      // Without unread bytes, a close is an orderly end of the stream.
      TcpChannel third = connectedChannel();
      VirtualConnection calm = listener.accept();
      third.close();
      assertThat(calm.read(ByteBuffer.allocate(8))).isEqualTo(-1);
    }
  }

  @Test
  void soLingerZeroMakesACloseAReset() throws Exception {
    try (VirtualListener listener = server.listen(5000)) {
      TcpChannel channel = connectedChannel();
      VirtualConnection accepted = listener.accept();
      channel.setOption(StandardSocketOptions.SO_LINGER, 0);
      assertThat(channel.getOption(StandardSocketOptions.SO_LINGER)).isZero();
      channel.close();
      assertThatThrownBy(() -> accepted.read(ByteBuffer.allocate(8)))
          .isInstanceOf(ConnectionResetException.class);
    }
  }

  @Test
  void theOptionsTheCoreSetsAreKeptAndOthersAreNotSupported() throws Exception {
    TcpChannel channel = guest.openTcp(StandardProtocolFamily.INET6);
    channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
    channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
    channel.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
    channel.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
    assertThat(channel.getOption(StandardSocketOptions.SO_REUSEADDR)).isTrue();
    assertThat(channel.getOption(StandardSocketOptions.TCP_NODELAY)).isTrue();
    assertThat(channel.getOption(StandardSocketOptions.SO_KEEPALIVE)).isTrue();
    assertThat(channel.getOption(StandardSocketOptions.SO_RCVBUF)).isEqualTo(4096);
    assertThat(channel.getOption(StandardSocketOptions.SO_SNDBUF)).isEqualTo(StreamBuffer.CAPACITY);
    assertThatThrownBy(() -> channel.setOption(StandardSocketOptions.SO_BROADCAST, true))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  /**
   * A member that does not read: the guest's non-blocking writes fill the 256 KiB buffer and then
   * write 0 (EAGAIN), the channel is not writable, and a read by the member makes it writable
   * again.
   */
  @Test
  void aFullSendBufferWritesNothingUntilThePeerReads() throws Exception {
    try (VirtualListener listener = server.listen(5000)) {
      TcpChannel channel = connectedChannel();
      try (VirtualConnection accepted = listener.accept()) {
        long total = 0;
        long written;
        do {
          written = channel.write(new ByteBuffer[] {ByteBuffer.allocate(100_000)});
          total += written;
        } while (written > 0);
        assertThat(total).isEqualTo(StreamBuffer.CAPACITY);
        assertThat(awaitOne(channel, Readiness.WRITE, 0)).isZero();

        // A wait for room, parked before the member reads, is woken by the read.
        CompletableFuture<Integer> woken = new CompletableFuture<>();
        Thread waiter = new Thread(() -> woken.complete(awaitUnchecked(channel, Readiness.WRITE)));
        waiter.start();
        parked(waiter);
        assertThat(accepted.read(ByteBuffer.allocate(1000))).isEqualTo(1000);
        assertThat(woken.get(10, TimeUnit.SECONDS)).isEqualTo(Readiness.WRITE);
        assertThat(channel.write(new ByteBuffer[] {ByteBuffer.allocate(5000)})).isEqualTo(1000);
      }
    }
  }

  /**
   * A Java member's blocking write waits while the guest does not read, and resumes when it does.
   */
  @Test
  void aMembersBlockingWriteWaitsForTheGuestToRead() throws Exception {
    try (VirtualListener listener = server.listen(5000)) {
      TcpChannel channel = connectedChannel();
      VirtualConnection accepted = listener.accept();
      byte[] payload = new byte[StreamBuffer.CAPACITY * 3];
      Arrays.fill(payload, (byte) 7);
      CompletableFuture<Void> writing =
          CompletableFuture.runAsync(
              () -> {
                try {
                  accepted.write(ByteBuffer.wrap(payload));
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });

      ByteBuffer dst = ByteBuffer.allocate(payload.length);
      while (dst.hasRemaining()) {
        awaitOne(channel, Readiness.READ, -1);
        assertThat(channel.read(dst)).isPositive();
      }
      writing.get(10, TimeUnit.SECONDS);
      assertThat(dst.array()).isEqualTo(payload);
    }
  }

  /** A backlog of 1 holds two connections; the third connect is pending until one is accepted. */
  @Test
  void aFullBacklogLeavesTheConnectPendingUntilAnAccept() throws Exception {
    Transport serverGuest = server.newTransport();
    try {
      TcpListenerChannel listener = serverGuest.listenTcp(new InetSocketAddress(ANY4, 5000), 1);
      assertThat(awaitOne(serverGuest, listener, Readiness.READ, 0)).isZero();
      connectedChannel();
      connectedChannel();
      TcpChannel third = guest.openTcp(StandardProtocolFamily.INET);
      assertThat(third.connect(new InetSocketAddress(address("10.0.0.1"), 5000))).isFalse();
      assertThat(third.finishConnect()).isFalse();
      assertThat(awaitOne(third, Readiness.CONNECT, 0)).isZero();

      assertThat(awaitOne(serverGuest, listener, Readiness.READ, -1)).isEqualTo(Readiness.READ);
      assertThat(listener.accept()).isNotNull();
      assertThat(awaitOne(third, Readiness.CONNECT, -1)).isEqualTo(Readiness.CONNECT);
      assertThat(third.finishConnect()).isTrue();
    } finally {
      serverGuest.close();
    }
  }

  @Test
  void closingTheTransportClosesItsSocketsAndFreesItsPorts() throws Exception {
    Transport serverGuest = server.newTransport();
    serverGuest.listenTcp(new InetSocketAddress(ANY4, 5000), 8);
    VirtualConnection member = client.connect(new InetSocketAddress(address("10.0.0.1"), 5000));
    serverGuest.close();

    // The connection never accepted is reset; the port is free for a new listener.
    assertThatThrownBy(() -> member.read(ByteBuffer.allocate(1)))
        .isInstanceOf(ConnectionResetException.class);
    server.listen(5000).close();
  }

  @Test
  void anInterruptEndsAWaitAndTheThreadStaysInterrupted() throws Exception {
    try (VirtualListener listener = server.listen(5000)) {
      TcpChannel channel = connectedChannel();
      CompletableFuture<Boolean> interruptedAfter = new CompletableFuture<>();
      Thread thread =
          new Thread(
              () -> {
                try {
                  awaitOne(channel, Readiness.READ, -1);
                  interruptedAfter.complete(false);
                } catch (InterruptedIOException e) {
                  interruptedAfter.complete(Thread.currentThread().isInterrupted());
                } catch (IOException e) {
                  interruptedAfter.completeExceptionally(e);
                }
              });
      thread.start();
      parked(thread);
      thread.interrupt();
      assertThat(interruptedAfter.get(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void aMembersAcceptWithATimeoutEndsWithSocketTimeoutException() throws Exception {
    try (VirtualListener listener = server.listen(5000)) {
      assertThatThrownBy(() -> listener.accept(Duration.ofMillis(20)))
          .isInstanceOf(SocketTimeoutException.class);
      assertThat(listener.port()).isEqualTo(5000);
    }
  }

  /**
   * Returns once {@code thread} is parked (WAITING) in the transport's wait; the test's timeout
   * bounds it.
   */
  private static void parked(Thread thread) throws InterruptedException {
    while (thread.getState() != Thread.State.WAITING
        || Arrays.stream(thread.getStackTrace())
            .noneMatch(frame -> frame.getClassName().endsWith("VirtualTransport"))) {
      Thread.sleep(5);
    }
  }

  /**
   * A transport that spins still ends its wait on the change it waits for, whether it comes during
   * the spin or after it (the wait then parks), and on its timeout.
   */
  @Test
  void aSpinningTransportsWaitEndsOnTheChangeAndOnItsTimeout() throws Exception {
    try (Transport spinning = client.newTransport(Duration.ofMillis(2));
        VirtualListener listener = server.listen(5000)) {
      TcpChannel channel = spinning.openTcp(StandardProtocolFamily.INET);
      assertThat(channel.connect(new InetSocketAddress(address("10.0.0.1"), 5000))).isTrue();
      VirtualConnection peer = listener.accept(Duration.ofSeconds(10));
      for (int round = 0; round < 20; round++) {
        // Replies at once, then late: the spin starts to pay, then stops.
        long delay = round < 10 ? 0 : 5;
        CompletableFuture<Void> reply =
            CompletableFuture.runAsync(
                () -> {
                  try {
                    Thread.sleep(delay);
                    peer.write(ByteBuffer.wrap(new byte[] {1}));
                  } catch (Exception e) {
                    throw new RuntimeException(e);
                  }
                });
        assertThat(awaitOne(spinning, channel, Readiness.READ, -1)).isEqualTo(Readiness.READ);
        assertThat(channel.read(ByteBuffer.allocate(4))).isEqualTo(1);
        reply.get(10, TimeUnit.SECONDS);
      }
      assertThat(awaitOne(spinning, channel, Readiness.READ, 1_000_000)).isZero();
    }
  }

  /**
   * A change wakes the parked waiters only if a waiter can wait for it: the first bytes into an
   * empty buffer do, more bytes after unread ones and a read of a buffer with room do not.
   */
  @Test
  void onlyAChangeSomebodyCanWaitForWakesTheWaiters() throws Exception {
    try (VirtualListener listener = server.listen(5000)) {
      VirtualConnection quiet = client.connect(new InetSocketAddress(address("10.0.0.1"), 5000));
      VirtualConnection quietPeer = listener.accept(Duration.ofSeconds(10));
      VirtualConnection busy = client.connect(new InetSocketAddress(address("10.0.0.1"), 5000));
      VirtualConnection busyPeer = listener.accept(Duration.ofSeconds(10));
      Thread waiter = new Thread(() -> awaitQuietly(quietPeer), "parked reader");
      waiter.start();
      while (waiter.getState() != Thread.State.WAITING) {
        Thread.sleep(1);
      }

      long before = network.signals();
      busy.write(ByteBuffer.wrap("a".getBytes(StandardCharsets.US_ASCII))); // into an empty one
      busy.write(ByteBuffer.wrap("b".getBytes(StandardCharsets.US_ASCII))); // after unread bytes
      assertThat(busyPeer.read(ByteBuffer.allocate(8))).isEqualTo(2); // a buffer with room
      assertThat(network.signals() - before).isEqualTo(1);

      quiet.close(); // an end wakes the waiter, which reads end-of-stream
      waiter.join(10_000);
      assertThat(waiter.isAlive()).isFalse();
    }
  }

  private static void awaitQuietly(VirtualConnection connection) {
    try {
      connection.read(ByteBuffer.allocate(8));
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }

  private TcpChannel connectedChannel() throws IOException {
    TcpChannel channel = guest.openTcp(StandardProtocolFamily.INET);
    assertThat(channel.connect(new InetSocketAddress(address("10.0.0.1"), 5000))).isTrue();
    return channel;
  }

  private int awaitOne(TcpChannel channel, int interest, long timeoutNanos) throws IOException {
    return awaitOne(guest, channel, interest, timeoutNanos);
  }

  private static int awaitOne(
      Transport transport,
      dev.wasisockets.transport.TransportChannel channel,
      int interest,
      long timeoutNanos)
      throws IOException {
    ReadinessSet set = new ReadinessSet();
    set.add(channel, interest);
    transport.await(set, timeoutNanos);
    return set.ready(0);
  }

  private int awaitUnchecked(TcpChannel channel, int interest) {
    try {
      return awaitOne(channel, interest, -1);
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }

  private static String readExactly(VirtualConnection connection, int count) throws IOException {
    return new String(connection.getInputStream().readNBytes(count), StandardCharsets.UTF_8);
  }

  private static ByteBuffer bytes(String text) {
    return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
  }

  private static InetAddress address(String literal) {
    return dev.wasisockets.address.IpLiteral.parse(literal);
  }
}
