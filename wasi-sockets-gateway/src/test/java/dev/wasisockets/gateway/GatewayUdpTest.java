package dev.wasisockets.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.wasmnet.NettyLeakCheck;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.Request;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NettyLeakCheck.class)
class GatewayUdpTest {
  private WasmnetGateway gateway;
  private DatagramSocket peer;

  @BeforeEach
  void start() throws Exception {
    peer = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    gateway =
        TestGateways.onLoopback()
            .policy(
                NetworkPolicy.builder()
                    .allow(NetworkUse.UDP_SEND, "127.0.0.1:" + peer.getLocalPort())
                    .build())
            .build()
            .start();
  }

  @AfterEach
  void stop() {
    gateway.close();
    peer.close();
  }

  @Test
  void sendGoesToTheTargetAndRepliesComeBackAsDataFrom() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendText(
          "{\"op\":\"connect_udp\",\"id\":9,\"addr\":\"127.0.0.1\",\"port\":"
              + peer.getLocalPort()
              + "}");
      int port = client.next(Event.UdpBound.class).port();
      assertThat(port).isPositive();

      client.sendJson(new Request.Send(9, "one".getBytes(StandardCharsets.UTF_8)));
      DatagramPacket received = receive();
      assertThat(text(received)).isEqualTo("one");
      assertThat(received.getPort()).isEqualTo(port);

      peer.send(
          new DatagramPacket(new byte[] {4, 2}, 2, received.getAddress(), received.getPort()));
      assertThat(client.next())
          .usingRecursiveComparison()
          .isEqualTo(new Event.DataFrom(9, "127.0.0.1", peer.getLocalPort(), new byte[] {4, 2}));
    }
  }

  @Test
  void sendToIsCheckedPerDestination() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendBinary(new Request.ConnectUdp(9, "127.0.0.1", peer.getLocalPort()));
      client.next(Event.UdpBound.class);

      client.sendBinary(new Request.SendTo(9, "127.0.0.1", peer.getLocalPort(), bytes("allowed")));
      assertThat(text(receive())).isEqualTo("allowed");

      client.sendBinary(new Request.SendTo(9, "127.0.0.2", 9, bytes("denied")));
      Event.Denied denied = client.next(Event.Denied.class);
      assertThat(denied.msg())
          .isEqualTo("udp send to 127.0.0.2:9 denied by policy (rule: default deny)");

      // The socket survives a denied send_to.
      client.sendBinary(new Request.Send(9, bytes("still")));
      assertThat(text(receive())).isEqualTo("still");
    }
  }

  @Test
  void sendToANameLooksItUpAndChecksTheAddress() throws Exception {
    gateway.close();
    gateway =
        TestGateways.onLoopback()
            .policy(
                NetworkPolicy.builder()
                    .allow(NetworkUse.UDP_SEND, "127.0.0.1:" + peer.getLocalPort())
                    .build())
            .resolver(
                name ->
                    List.of(
                        InetAddress.getByName(
                            name.equals("peer.test") ? "127.0.0.1" : "127.0.0.2")))
            .build()
            .start();
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.ConnectUdp(9, "peer.test", peer.getLocalPort()));
      client.next(Event.UdpBound.class);

      client.sendJson(new Request.SendTo(9, "peer.test", peer.getLocalPort(), bytes("by name")));
      assertThat(text(receive())).isEqualTo("by name");

      client.sendJson(new Request.SendTo(9, "other.test", peer.getLocalPort(), bytes("denied")));
      assertThat(client.next(Event.Denied.class).msg())
          .isEqualTo(
              "udp send to other.test:"
                  + peer.getLocalPort()
                  + " denied by policy (rule: default deny)");

      // A refused send_to by name leaves the socket, as a refused literal does.
      client.sendJson(new Request.Send(9, bytes("still")));
      assertThat(text(receive())).isEqualTo("still");
    }
  }

  @Test
  void aDeniedTargetRefusesTheSocket() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.ConnectUdp(3, "127.0.0.1", 1));

      assertThat(client.next(Event.Denied.class).id()).isEqualTo(3);
      client.sendJson(new Request.Send(3, bytes("x")));
      assertThat(client.next()).isEqualTo(new Event.Error(3, "unknown id 3"));
    }
  }

  private DatagramPacket receive() throws Exception {
    DatagramPacket packet = new DatagramPacket(new byte[2048], 2048);
    peer.setSoTimeout(10_000);
    peer.receive(packet);
    return packet;
  }

  private static String text(DatagramPacket packet) {
    return new String(Arrays.copyOf(packet.getData(), packet.getLength()), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
