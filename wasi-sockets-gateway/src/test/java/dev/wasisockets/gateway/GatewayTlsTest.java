package dev.wasisockets.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.wasmnet.NettyLeakCheck;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.Request;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(NettyLeakCheck.class)
class GatewayTlsTest {
  @TempDir static Path dir;
  private static TlsEchoPeer peer;
  private WasmnetGateway gateway;

  @BeforeAll
  static void startPeer() throws Exception {
    peer = new TlsEchoPeer(dir);
  }

  @AfterAll
  static void stopPeer() throws Exception {
    peer.close();
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  @Test
  void connectTlsVerifiesThePeerAgainstTheAddedTrustStore() throws Exception {
    gateway = gatewayTrusting(true);
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendText(
          "{\"op\":\"connect_tls\",\"id\":1,\"addr\":\"localhost\",\"port\":" + peer.port() + "}");
      assertThat(client.next()).isEqualTo(new Event.Connected(1));

      client.sendJson(new Request.Send(1, "secret".getBytes(StandardCharsets.UTF_8)));
      assertThat(client.next(Event.Data.class).data()).asString().isEqualTo("secret");
    }
  }

  @Test
  void anIpAddressIsVerifiedAgainstTheCertificatesIpNames() throws Exception {
    gateway = gatewayTrusting(true);
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendBinary(new Request.ConnectTls(2, "127.0.0.1", peer.port()));

      assertThat(client.next()).isEqualTo(new Event.Connected(2));
    }
  }

  @Test
  void anUntrustedPeerIsAnError() throws Exception {
    gateway = gatewayTrusting(false);
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.ConnectTls(1, "localhost", peer.port()));

      Event.Error error = client.next(Event.Error.class);
      assertThat(error.id()).isEqualTo(1);
      assertThat(error.msg()).startsWith("TLS handshake failed: ");
    }
  }

  private static WasmnetGateway gatewayTrusting(boolean trustPeer) throws Exception {
    WasmnetGateway.Builder builder =
        TestGateways.onLoopback().resolver(name -> List.of(InetAddress.getLoopbackAddress()));
    if (trustPeer) {
      builder.trustStore(peer.trustStore());
    }
    return builder.build().start();
  }
}
