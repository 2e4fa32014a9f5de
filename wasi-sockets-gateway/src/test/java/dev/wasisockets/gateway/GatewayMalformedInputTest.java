package dev.wasisockets.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.wasmnet.NettyLeakCheck;
import dev.wasisockets.wasmnet.protocol.BinaryFraming;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.Request;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Whatever a client sends, the session answers {@code error} and goes on serving. */
@ExtendWith(NettyLeakCheck.class)
class GatewayMalformedInputTest {
  private static final int MAX_FRAME = 64 * 1024;

  private final EchoPeer peer;
  private WasmnetGateway gateway;

  GatewayMalformedInputTest() throws Exception {
    peer = new EchoPeer();
  }

  @BeforeEach
  void start() throws Exception {
    gateway =
        TestGateways.onLoopback()
            .maxFrameBytes(MAX_FRAME)
            // Random frames name random hosts: none of them is looked up for real.
            .resolver(
                name -> {
                  throw new UnknownHostException(name);
                })
            .build()
            .start();
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    peer.close();
  }

  @Test
  void badJsonIsAnErrorForIdZero() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendText("{\"op\":");

      Event.Error error = client.next(Event.Error.class);
      assertThat(error.id()).isZero();
      assertThat(error.msg()).startsWith("invalid JSON");
      assertStillServes(client);
    }
  }

  @Test
  void anUnknownOpIsAnErrorForItsId() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendText("{\"op\":\"teleport\",\"id\":12}");

      assertThat(client.next()).isEqualTo(new Event.Error(12, "unknown op \"teleport\""));
      assertStillServes(client);
    }
  }

  @Test
  void badBase64IsAnError() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendText("{\"op\":\"send\",\"id\":2,\"data\":\"!!!\"}");

      Event.Error error = client.next(Event.Error.class);
      assertThat(error.id()).isEqualTo(2);
      assertThat(error.msg()).startsWith("field \"data\" is not base64");
      assertStillServes(client);
    }
  }

  @Test
  void aShortBinaryFrameIsAnError() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendBinary(new byte[] {0x01, 0, 0});

      assertThat(client.next(Event.Error.class).id()).isZero();
      client.sendBinary(new byte[] {0x01, 0, 0, 0, 0, 0, 0, 0, 8, 0});
      assertThat(client.next()).isEqualTo(new Event.Error(8, "connect frame too short"));
      assertStillServes(client);
    }
  }

  @Test
  void anUnknownBinaryTypeIsAnError() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendBinary(new byte[] {0x7f, 0, 0, 0, 0, 0, 0, 0, 3});

      assertThat(client.next()).isEqualTo(new Event.Error(3, "unknown request type 0x7f"));
      assertStillServes(client);
    }
  }

  @Test
  void badUtf8InABinaryAddressIsAnError() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      ByteBuffer frame = ByteBuffer.allocate(13);
      frame.put((byte) 0x01).putLong(6).putShort((short) 80).put((byte) 0xff).put((byte) 0xfe);

      client.sendBinary(frame.array());

      assertThat(client.next(Event.Error.class).id()).isEqualTo(6);
      assertStillServes(client);
    }
  }

  @Test
  void anOversizedMessageIsAnErrorAndTheSessionGoesOn() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      byte[] frame = BinaryFraming.encode(new Request.Send(4, new byte[MAX_FRAME]));

      client.sendBinary(frame);

      assertThat(client.next())
          .isEqualTo(
              new Event.Error(
                  4, "message of " + frame.length + " bytes is over the limit of " + MAX_FRAME));
      assertStillServes(client);
    }
  }

  @Test
  void closingAnUnknownIdIsAnError() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Close(77));

      assertThat(client.next()).isEqualTo(new Event.Error(77, "unknown id 77"));
    }
  }

  @Test
  void aReusedIdIsAnErrorAndTheFirstSocketStays() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Connect(1, "127.0.0.1", peer.port()));
      client.next(Event.Connected.class);

      client.sendJson(new Request.ConnectUdp(1, "127.0.0.1", peer.port()));
      assertThat(client.next()).isEqualTo(new Event.Error(1, "id 1 is already in use"));

      client.sendJson(new Request.Send(1, "still".getBytes(StandardCharsets.UTF_8)));
      assertThat(client.next(Event.Data.class).data()).asString().isEqualTo("still");
    }
  }

  @Test
  void randomFramesGetErrorsAndTheSessionStillConnects() throws Exception {
    Random random = new Random(20261121);
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      int answered = 0;
      for (int i = 0; i < 300; i++) {
        byte[] bytes = new byte[random.nextInt(40)];
        random.nextBytes(bytes);
        if (random.nextBoolean()) {
          // Binary: a request type byte most of the time, so that decoding goes deeper.
          if (bytes.length > 0 && random.nextInt(4) > 0) {
            bytes[0] = (byte) (1 + random.nextInt(9));
          }
          client.sendBinary(bytes);
        } else {
          client.sendText(randomJsonish(random));
        }
        answered++;
      }
      // A random frame gets an error, or now and then is a valid request that gets its own
      // answers; drain until our connect is answered.
      client.sendJson(new Request.Connect(1L << 40, "127.0.0.1", peer.port()));
      Event event;
      int seen = 0;
      do {
        event = client.next();
        seen++;
      } while (!event.equals(new Event.Connected(1L << 40)) && seen <= 3 * answered);
      assertThat(event).isEqualTo(new Event.Connected(1L << 40));
    }
  }

  private static String randomJsonish(Random random) {
    String[] pieces = {
      "{",
      "}",
      "\"op\"",
      ":",
      "\"connect\"",
      "\"send\"",
      "\"id\"",
      "1",
      "-1",
      "1e99",
      ",",
      "[",
      "]",
      "\"data\"",
      "\"AAAA\"",
      "null",
      "\"addr\"",
      "\"port\"",
      "70000",
      "\"\\ud800\""
    };
    StringBuilder text = new StringBuilder();
    for (int i = random.nextInt(12); i >= 0; i--) {
      text.append(pieces[random.nextInt(pieces.length)]);
    }
    return text.toString();
  }

  /** The session still opens and uses a connection. */
  private void assertStillServes(WasmnetTestClient client) throws Exception {
    client.sendJson(new Request.Connect(100, "127.0.0.1", peer.port()));
    assertThat(client.next()).isEqualTo(new Event.Connected(100));
    client.sendJson(new Request.Send(100, "ok".getBytes(StandardCharsets.UTF_8)));
    assertThat(client.next(Event.Data.class).data()).asString().isEqualTo("ok");
  }
}
