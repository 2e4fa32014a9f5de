package dev.wasisockets.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.transport.ForwardingTransport;
import dev.wasisockets.transport.TcpChannel;
import dev.wasisockets.transport.TcpListenerChannel;
import dev.wasisockets.transport.Transport;
import dev.wasisockets.transport.direct.DirectTransport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code bind} then {@code listen} (or {@code connect}) on real loopback sockets: the port a socket
 * binds is its own until it closes, and a listen that fails leaves the socket as it was.
 */
@Timeout(30)
class ListenTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private final List<AutoCloseable> thieves = new ArrayList<>();

  @AfterEach
  void releaseThieves() throws Exception {
    for (AutoCloseable thief : thieves) {
      thief.close();
    }
  }

  /** IPv4, IPv6, and an IPv6 socket bound to an IPv4 address (dual stack). */
  static Stream<Arguments> familiesAndAddresses() throws IOException {
    return Stream.of(
        Arguments.of(StandardProtocolFamily.INET, LOOPBACK),
        Arguments.of(StandardProtocolFamily.INET6, InetAddress.getByName("::1")),
        Arguments.of(StandardProtocolFamily.INET6, LOOPBACK));
  }

  @ParameterizedTest(name = "{0} socket on {1}")
  @MethodSource("familiesAndAddresses")
  void anotherProcessCannotTakeTheBoundPortWhileTheSocketBecomesAListener(
      StandardProtocolFamily family, InetAddress address) throws Exception {
    // Another program tries to take the port at every moment one of the socket's OS sockets is
    // closed, and once more right after listen: a listen that freed the port first loses it.
    ThievingTransport transport = new ThievingTransport(new DirectTransport(), address);
    try (SocketContext context = context(transport)) {
      int fd = context.openTcp(family);
      context.tcp(fd).bind(new InetSocketAddress(address, 0));
      int port = context.tcp(fd).localAddress().getPort();
      transport.port = port;
      assertThat(tryToTake(address, port)).as("bound: nobody else can bind it").isFalse();

      context.listen(fd, 8);

      assertThat(transport.stolen).as("the port was free at some moment").isFalse();
      assertThat(tryToTake(address, port)).isFalse();
      assertThat(context.listener(fd).localAddress().getPort()).isEqualTo(port);
      assertThat(context.listener(fd).getOption(SocketOptionKind.ACCEPTCONN)).isEqualTo(1);
      assertConnectionArrives(context, fd, address, port);
    }
  }

  @Test
  void aListenThatFailsLeavesTheSocketBoundToItsPortToListenAgain() throws Exception {
    try (SocketContext context = context(new DirectTransport())) {
      int fd = context.openTcp(StandardProtocolFamily.INET);
      TcpSocket socket = context.tcp(fd);
      // With SO_REUSEADDR, Linux lets another socket that also reuses addresses listen on a port
      // a bound, unconnected socket holds; the guest's own listen then fails, as it would natively.
      socket.setOption(SocketOptionKind.REUSEADDR, 1);
      socket.bind(new InetSocketAddress(LOOPBACK, 0));
      int port = socket.localAddress().getPort();
      ServerSocketChannel squatter = ServerSocketChannel.open();
      squatter.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      squatter.bind(new InetSocketAddress(LOOPBACK, port));

      assertThatThrownBy(() -> context.listen(fd, 8))
          .isInstanceOfSatisfying(
              ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EADDRINUSE));
      assertThat(context.tcp(fd).localAddress().getPort()).as("still bound there").isEqualTo(port);

      squatter.close();
      context.listen(fd, 8);
      assertThat(context.listener(fd).localAddress().getPort()).isEqualTo(port);
      assertConnectionArrives(context, fd, LOOPBACK, port);
    }
  }

  @Test
  void aBoundSocketCanConnectFromItsPort() throws Exception {
    try (ServerSocket peer = new ServerSocket(0, 1, LOOPBACK);
        SocketContext context =
            context(
                new DirectTransport(),
                NetworkUse.TCP_CONNECT,
                "127.0.0.1:" + peer.getLocalPort())) {
      int fd = context.openTcp(StandardProtocolFamily.INET);
      context.tcp(fd).bind(new InetSocketAddress(LOOPBACK, 0));
      int port = context.tcp(fd).localAddress().getPort();

      context.tcp(fd).connect(new InetSocketAddress(LOOPBACK, peer.getLocalPort()));

      try (Socket accepted = peer.accept()) {
        assertThat(accepted.getPort())
            .as("the connection comes from the bound port")
            .isEqualTo(port);
        context.tcp(fd).write(new ByteBuffer[] {ByteBuffer.wrap(new byte[] {42})});
        assertThat(accepted.getInputStream().read()).isEqualTo(42);
      }
    }
  }

  private static void assertConnectionArrives(
      SocketContext context, int listener, InetAddress address, int port) throws IOException {
    try (Socket client = new Socket(address, port)) {
      int accepted = context.accept(listener, false);
      client.getOutputStream().write(7);
      ByteBuffer one = ByteBuffer.allocate(1);
      assertThat(context.descriptors().socket(accepted).read(one)).isEqualTo(1);
      assertThat(one.get(0)).isEqualTo((byte) 7);
    }
  }

  /** Whether a program of the same user, reusing addresses as the JDK's listeners do, gets it. */
  private boolean tryToTake(InetAddress address, int port) {
    try {
      ServerSocketChannel thief = ServerSocketChannel.open();
      try {
        thief.bind(new InetSocketAddress(address, port));
      } catch (IOException e) {
        thief.close();
        return false;
      }
      thieves.add(thief);
      return true;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static SocketContext context(Transport transport) {
    return context(transport, NetworkUse.BIND, "127.0.0.1");
  }

  private static SocketContext context(Transport transport, NetworkUse use, String rule) {
    NetworkPolicy policy =
        NetworkPolicy.builder()
            .allow(NetworkUse.BIND, "127.0.0.1")
            .allow(NetworkUse.BIND, "::1")
            .allow(use, rule)
            .build();
    return new SocketContext(new DescriptorTable(3), transport, policy);
  }

  /**
   * The direct transport, with another program that tries to take {@link #port} (on the address
   * given) whenever one of the transport's TCP sockets closes.
   */
  private final class ThievingTransport extends ForwardingTransport {
    private final InetAddress address;
    int port;
    boolean stolen;

    ThievingTransport(Transport inner, InetAddress address) {
      super(inner);
      this.address = address;
    }

    void attempt() {
      if (port != 0 && tryToTake(address, port)) {
        stolen = true;
      }
    }

    @Override
    public TcpChannel openTcp(StandardProtocolFamily family) throws IOException {
      return new WatchedChannel(super.openTcp(family));
    }

    /** A TCP channel that lets the thief try the moment it closes. */
    private final class WatchedChannel implements TcpChannel {
      private final TcpChannel inner;

      WatchedChannel(TcpChannel inner) {
        this.inner = inner;
      }

      @Override
      public void close() throws IOException {
        inner.close();
        attempt();
      }

      @Override
      public void bind(InetSocketAddress local) throws IOException {
        inner.bind(local);
      }

      @Override
      public TcpListenerChannel listen(InetSocketAddress local, int backlog) throws IOException {
        TcpListenerChannel listener = inner.listen(local, backlog);
        attempt(); // right after the hand-over
        return listener;
      }

      @Override
      public boolean connect(InetSocketAddress remote) throws IOException {
        return inner.connect(remote);
      }

      @Override
      public boolean finishConnect() throws IOException {
        return inner.finishConnect();
      }

      @Override
      public int read(ByteBuffer dst) throws IOException {
        return inner.read(dst);
      }

      @Override
      public long write(ByteBuffer[] srcs) throws IOException {
        return inner.write(srcs);
      }

      @Override
      public void shutdownInput() throws IOException {
        inner.shutdownInput();
      }

      @Override
      public void shutdownOutput() throws IOException {
        inner.shutdownOutput();
      }

      @Override
      public InetSocketAddress remoteAddress() throws IOException {
        return inner.remoteAddress();
      }

      @Override
      public <T> void setOption(SocketOption<T> option, T value) throws IOException {
        inner.setOption(option, value);
      }

      @Override
      public <T> T getOption(SocketOption<T> option) throws IOException {
        return inner.getOption(option);
      }

      @Override
      public InetSocketAddress localAddress() throws IOException {
        return inner.localAddress();
      }
    }
  }
}
