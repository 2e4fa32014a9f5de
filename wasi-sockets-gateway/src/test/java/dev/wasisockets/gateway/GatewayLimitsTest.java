package dev.wasisockets.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.policy.Limits;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.wasmnet.NettyLeakCheck;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.Request;
import io.netty.handler.traffic.ChannelTrafficShapingHandler;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The policy's limits, applied per session. (Max connections: {@link GatewayTcpTest}.) */
@ExtendWith(NettyLeakCheck.class)
class GatewayLimitsTest {
  private final EchoPeer peer;
  private WasmnetGateway gateway;

  GatewayLimitsTest() throws Exception {
    peer = new EchoPeer();
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    peer.close();
  }

  @Test
  void aConnectionIdleLongerThanTheLimitIsClosedWithAnError() throws Exception {
    gateway = gatewayWith(Limits.NONE.withIdleTimeout(Duration.ofMillis(100)));
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Connect(1, "127.0.0.1", peer.port()));
      assertThat(client.next()).isEqualTo(new Event.Connected(1));

      assertThat(client.next()).isEqualTo(new Event.Error(1, "idle for 100 ms: closed"));
      client.sendJson(new Request.Close(1));
      assertThat(client.next()).isEqualTo(new Event.Error(1, "unknown id 1"));
    }
  }

  @Test
  void theBandwidthLimitShapesTheSessionsWebSocketBothWays() throws Exception {
    gateway = gatewayWith(Limits.NONE.withBytesPerSecond(Limits.megabitsToBytes(8)));
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Close(1));
      client.next(Event.Error.class);

      ChannelTrafficShapingHandler shaper =
          new SessionProbe(gateway).webSocket().pipeline().get(ChannelTrafficShapingHandler.class);
      assertThat(shaper.getReadLimit()).isEqualTo(1_000_000);
      assertThat(shaper.getWriteLimit()).isEqualTo(1_000_000);
    }
  }

  @Test
  void withoutABandwidthLimitNothingShapes() throws Exception {
    gateway = gatewayWith(Limits.NONE);
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Close(1));
      client.next(Event.Error.class);

      assertThat(
              new SessionProbe(gateway)
                  .webSocket()
                  .pipeline()
                  .get(ChannelTrafficShapingHandler.class))
          .isNull();
    }
  }

  private static WasmnetGateway gatewayWith(Limits limits) throws Exception {
    return TestGateways.onLoopback()
        .policy(NetworkPolicy.builder().allowAll().limits(limits).build())
        .build()
        .start();
  }
}
