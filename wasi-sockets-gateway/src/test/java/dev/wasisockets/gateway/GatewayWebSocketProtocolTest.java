package dev.wasisockets.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.wasmnet.NettyLeakCheck;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the WebSocket layer answers (RFC 6455 §7.4.1): 1002 for every protocol violation, 1009 for a
 * message over 16 MiB however it is split, 1000 for a clean close. Frames are written bit by bit.
 */
@ExtendWith(NettyLeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewayWebSocketProtocolTest {
  private static final int MIB = 1024 * 1024;

  private WasmnetGateway gateway;

  @BeforeEach
  void start() throws Exception {
    gateway = TestGateways.onLoopback().build().start();
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  @Test
  void aCleanCloseIsAnswered1000() throws Exception {
    try (RawWebSocket webSocket = RawWebSocket.open(gateway)) {
      webSocket.sendClose(1000);

      assertThat(webSocket.closeCode()).isEqualTo(1000);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {999, 0, 1004, 1005, 1006, 1015, 1016, 2999})
  void aCloseCodeNoEndpointMaySendIsAProtocolError(int code) throws Exception {
    // §7.4.1/§7.4.2: codes below 1000 are unused, 1004-1006 and 1015 must never be sent, 1016-2999
    // are for future versions of the protocol.
    try (RawWebSocket webSocket = RawWebSocket.open(gateway)) {
      webSocket.sendClose(code);

      assertThat(webSocket.closeCode()).isEqualTo(1002);
    }
  }

  @Test
  void aCloseFrameWithAOneBytePayloadIsAProtocolError() throws Exception {
    try (RawWebSocket webSocket = RawWebSocket.open(gateway)) {
      webSocket.send(RawWebSocket.CLOSE, new byte[] {3});

      assertThat(webSocket.closeCode()).isEqualTo(1002);
    }
  }

  @Test
  void anUnmaskedFrameIsAProtocolError() throws Exception {
    // §5.1: a server MUST close the connection upon receiving a frame that is not masked.
    try (RawWebSocket webSocket = RawWebSocket.open(gateway)) {
      webSocket.sendRaw(0x80 | RawWebSocket.TEXT, false, "{}".getBytes(StandardCharsets.UTF_8));

      assertThat(webSocket.closeCode()).isEqualTo(1002);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0x40, 0x20, 0x10})
  void aReservedBitWithoutAnExtensionIsAProtocolError(int reservedBit) throws Exception {
    try (RawWebSocket webSocket = RawWebSocket.open(gateway)) {
      webSocket.sendRaw(0x80 | reservedBit | RawWebSocket.TEXT, true, new byte[] {'{', '}'});

      assertThat(webSocket.closeCode()).isEqualTo(1002);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0x3, 0x7, 0xb, 0xf})
  void aReservedOpcodeIsAProtocolError(int opcode) throws Exception {
    try (RawWebSocket webSocket = RawWebSocket.open(gateway)) {
      webSocket.send(opcode, new byte[] {1});

      assertThat(webSocket.closeCode()).isEqualTo(1002);
    }
  }

  @Test
  void aFragmentedControlFrameIsAProtocolError() throws Exception {
    try (RawWebSocket webSocket = RawWebSocket.open(gateway)) {
      webSocket.send(false, RawWebSocket.PING, new byte[] {1});

      assertThat(webSocket.closeCode()).isEqualTo(1002);
    }
  }

  @Test
  void aControlFrameOver125BytesIsAProtocolError() throws Exception {
    try (RawWebSocket webSocket = RawWebSocket.open(gateway)) {
      webSocket.send(RawWebSocket.PING, new byte[126]);

      assertThat(webSocket.closeCode()).isEqualTo(1002);
    }
  }

  @Test
  void aContinuationWithoutAStartIsAProtocolError() throws Exception {
    try (RawWebSocket webSocket = RawWebSocket.open(gateway)) {
      webSocket.send(RawWebSocket.CONTINUATION, new byte[] {'{'});

      assertThat(webSocket.closeCode()).isEqualTo(1002);
    }
  }

  @Test
  void aNewMessageInsideAFragmentedOneIsAProtocolError() throws Exception {
    try (RawWebSocket webSocket = RawWebSocket.open(gateway)) {
      webSocket.send(false, RawWebSocket.TEXT, new byte[] {'{'});
      webSocket.send(RawWebSocket.TEXT, new byte[] {'{', '}'});

      assertThat(webSocket.closeCode()).isEqualTo(1002);
    }
  }

  @Test
  void aPingIsAnsweredWithItsPayloadAndTheSessionGoesOn() throws Exception {
    try (RawWebSocket webSocket = RawWebSocket.open(gateway)) {
      webSocket.send(RawWebSocket.PING, new byte[] {4, 2});

      RawWebSocket.Frame pong = webSocket.read();
      assertThat(pong.opcode()).isEqualTo(0xa);
      assertThat(pong.payload()).containsExactly(4, 2);
      webSocket.send(
          RawWebSocket.TEXT, "{\"op\":\"close\",\"id\":5}".getBytes(StandardCharsets.UTF_8));
      assertThat(webSocket.read().text()).contains("unknown id 5");
    }
  }

  @Test
  void aSingleFrameOver16MibIsClosedWith1009() throws Exception {
    try (RawWebSocket webSocket = RawWebSocket.open(gateway)) {
      // The header says it all; the gateway must not wait for the payload.
      webSocket.sendHeaderOnly(0x80 | RawWebSocket.BINARY, 16L * MIB + 1);

      assertThat(webSocket.closeCode()).isEqualTo(1009);
    }
  }

  @Test
  void a17MibMessageInFragmentsIsClosedWith1009() throws Exception {
    // docs/gateway.md: a message over 16 MiB ends the session with 1009, however it is split.
    byte[] fragment = new byte[MIB];
    Arrays.fill(fragment, (byte) 'a');
    try (RawWebSocket webSocket = RawWebSocket.open(gateway)) {
      webSocket.send(false, RawWebSocket.TEXT, fragment);
      for (int i = 1; i < 16; i++) {
        webSocket.send(false, RawWebSocket.CONTINUATION, fragment);
      }
      webSocket.send(true, RawWebSocket.CONTINUATION, fragment);

      assertThat(webSocket.closeCode()).isEqualTo(1009);
    }
  }
}
