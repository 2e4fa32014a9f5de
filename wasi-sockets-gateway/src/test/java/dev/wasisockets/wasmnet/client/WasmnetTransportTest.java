package dev.wasisockets.wasmnet.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasisockets.core.Errno;
import dev.wasisockets.gateway.WasmnetGateway;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.transport.Readiness;
import dev.wasisockets.transport.ReadinessSet;
import dev.wasisockets.transport.TcpChannel;
import dev.wasisockets.transport.TransportChannel;
import dev.wasisockets.transport.UdpChannel;
import dev.wasisockets.wasmnet.NettyLeakCheck;
import dev.wasisockets.wasmnet.protocol.Framing;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The transport's channels against our gateway and real loopback peers, below any guest. */
@ExtendWith(NettyLeakCheck.class)
class WasmnetTransportTest {
  private static final NetworkPolicy LOOPBACK =
      NetworkPolicy.builder()
          .allow(NetworkUse.TCP_CONNECT, "loopback")
          .allow(NetworkUse.UDP_SEND, "loopback")
          .build();
  private static final InetAddress LOCALHOST = InetAddress.getLoopbackAddress();
  private static final long WAIT = 10_000_000_000L;

  @ParameterizedTest
  @EnumSource(Framing.class)
  void aDroppedWebSocketFailsItsSocketsWithConnectionReset(Framing framing) throws Exception {
    WasmnetGateway gateway = gateway();
    try (ServerSocketChannel peer = ServerSocketChannel.open();
        WasmnetTransport transport = transport(gateway, framing)) {
      peer.bind(new InetSocketAddress(LOCALHOST, 0));
      TcpChannel channel = transport.openTcp(StandardProtocolFamily.INET);
      channel.connect((InetSocketAddress) peer.getLocalAddress());
      assertThat(await(transport, channel, Readiness.CONNECT)).isEqualTo(Readiness.CONNECT);
      assertThat(channel.finishConnect()).isTrue();

      gateway.close();

      // A guest waiting to read wakes up, and its read fails as a reset connection.
      assertThat(await(transport, channel, Readiness.READ)).isEqualTo(Readiness.READ);
      assertThatThrownBy(() -> channel.read(ByteBuffer.allocate(8)))
          .isInstanceOfSatisfying(
              IOException.class, e -> assertThat(Errno.of(e)).isEqualTo(Errno.ECONNRESET));
      assertThatThrownBy(() -> channel.write(new ByteBuffer[] {ByteBuffer.allocate(1)}))
          .isInstanceOfSatisfying(
              IOException.class, e -> assertThat(Errno.of(e)).isEqualTo(Errno.ECONNRESET));
    } finally {
      gateway.close();
    }
  }

  @ParameterizedTest
  @EnumSource(Framing.class)
  void bytesBothWaysAndAHalfClose(Framing framing) throws Exception {
    try (WasmnetGateway gateway = gateway();
        ServerSocketChannel listener = ServerSocketChannel.open();
        WasmnetTransport transport = transport(gateway, framing)) {
      listener.bind(new InetSocketAddress(LOCALHOST, 0));
      TcpChannel channel = transport.openTcp(StandardProtocolFamily.INET);
      channel.connect((InetSocketAddress) listener.getLocalAddress());
      try (SocketChannel peer = listener.accept()) {
        await(transport, channel, Readiness.CONNECT);
        assertThat(channel.finishConnect()).isTrue();
        byte[] sent = new byte[300_000];
        for (int i = 0; i < sent.length; i++) {
          sent[i] = (byte) (i * 31);
        }
        ByteBuffer out = ByteBuffer.wrap(sent);
        ByteBuffer atPeer = ByteBuffer.allocate(sent.length + 1);
        peer.configureBlocking(false);
        while (out.hasRemaining() || atPeer.position() < sent.length) {
          if (out.hasRemaining() && channel.write(new ByteBuffer[] {out}) == 0) {
            await(transport, channel, Readiness.WRITE);
          }
          peer.read(atPeer);
        }
        // The guest's shutdown(SHUT_WR) reaches the peer as end of stream...
        channel.shutdownOutput();
        peer.configureBlocking(true);
        assertThat(peer.read(atPeer)).isEqualTo(-1);
        assertThat(atPeer.flip()).isEqualTo(ByteBuffer.wrap(sent));

        // ...and the peer's reply still arrives, then its end of stream.
        peer.write(ByteBuffer.wrap("reply".getBytes(StandardCharsets.UTF_8)));
        peer.shutdownOutput();
        ByteBuffer reply = ByteBuffer.allocate(16);
        int n;
        while ((n = channel.read(reply)) >= 0) {
          if (n == 0) {
            await(transport, channel, Readiness.READ);
          }
        }
        assertThat(new String(reply.array(), 0, reply.position(), StandardCharsets.UTF_8))
            .isEqualTo("reply");
      }
      channel.close();
    }
  }

  @ParameterizedTest
  @EnumSource(Framing.class)
  void aDatagramGoesOutAndItsEchoComesBackFromItsSender(Framing framing) throws Exception {
    try (WasmnetGateway gateway = gateway();
        DatagramChannel echo = DatagramChannel.open();
        WasmnetTransport transport = transport(gateway, framing)) {
      echo.bind(new InetSocketAddress(LOCALHOST, 0));
      InetSocketAddress echoAddress = (InetSocketAddress) echo.getLocalAddress();
      UdpChannel channel = transport.openUdp(StandardProtocolFamily.INET);

      assertThat(channel.send(ByteBuffer.wrap(new byte[] {1, 2, 3}), echoAddress)).isEqualTo(3);
      ByteBuffer datagram = ByteBuffer.allocate(16);
      InetSocketAddress sender = (InetSocketAddress) echo.receive(datagram);
      echo.send(datagram.flip(), sender);

      assertThat(await(transport, channel, Readiness.READ)).isEqualTo(Readiness.READ);
      ByteBuffer received = ByteBuffer.allocate(16);
      assertThat(channel.receive(received)).isEqualTo(echoAddress);
      assertThat(received.flip()).isEqualTo(ByteBuffer.wrap(new byte[] {1, 2, 3}));
      assertThat(channel.localAddress().getPort()).isEqualTo(sender.getPort());
      channel.close();
    }
  }

  /**
   * wasmnet binds only listeners: a bind is kept for a listen, and the server chooses a
   * connection's local end, so a connect after binding a particular address is ENOTSUP.
   */
  @ParameterizedTest
  @EnumSource(Framing.class)
  void aBindIsKeptForAListenAndRefusedForAConnect(Framing framing) throws Exception {
    try (WasmnetGateway gateway = gateway();
        WasmnetTransport transport = transport(gateway, framing)) {
      TcpChannel channel = transport.openTcp(StandardProtocolFamily.INET);
      InetSocketAddress local = new InetSocketAddress(LOCALHOST, 0);
      channel.bind(local);
      assertThat(channel.localAddress()).isEqualTo(local);

      assertThatThrownBy(() -> channel.connect(new InetSocketAddress(LOCALHOST, 9)))
          .isInstanceOfSatisfying(
              IOException.class, e -> assertThat(Errno.of(e)).isEqualTo(Errno.ENOTSUP));
      channel.close();
    }
  }

  private static int await(WasmnetTransport transport, TransportChannel channel, int interest)
      throws IOException {
    ReadinessSet set = new ReadinessSet();
    set.add(channel, interest);
    transport.await(set, WAIT);
    return set.ready(0);
  }

  private static WasmnetGateway gateway() throws IOException {
    return WasmnetGateway.builder().host("127.0.0.1").port(0).policy(LOOPBACK).build().start();
  }

  private static WasmnetTransport transport(WasmnetGateway gateway, Framing framing)
      throws IOException {
    URI uri = URI.create("ws://127.0.0.1:" + gateway.address().getPort() + "/");
    return WasmnetTransport.connect(uri, WasmnetOptions.DEFAULT.withFraming(framing));
  }
}
