package dev.wasisockets.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.wasmnet.NettyLeakCheck;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.Request;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NettyLeakCheck.class)
class GatewayShutdownTest {

  @Test
  void closeSaysGoingAwayToEachSessionAndClosesItsSockets() throws Exception {
    WasmnetGateway gateway = TestGateways.onLoopback().build().start();
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Connect(1, "127.0.0.1", server.getLocalPort()));
      try (Socket peer = server.accept()) {
        assertThat(client.next()).isEqualTo(new Event.Connected(1));

        gateway.close();

        assertThat(client.closeCode()).isEqualTo(1001);
        assertThat(peer.getInputStream().read()).as("the peer sees the end").isEqualTo(-1);
        assertThat(gateway.sessionCount()).isZero();
      }
    }
  }
}
