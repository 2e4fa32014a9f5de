package dev.wasisockets.wasmnet.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class FramingTest {
  private static final byte[] BYTES = {0, 1, (byte) 0xFF, 'h', 'i'};

  static Stream<Request> requests() {
    return Stream.of(
        new Request.Connect(1, "example.com", 443),
        new Request.ConnectTls(2, "127.0.0.1", 8443),
        new Request.ConnectUdp(3, "::1", 53),
        new Request.Bind(4, "0.0.0.0", 0),
        new Request.Listen(4, 4096),
        new Request.Send(5, BYTES),
        new Request.Send(5, new byte[0]),
        new Request.SendTo(3, "ünïcode.test", 65535, BYTES),
        new Request.Close(-1L), // 2^64 - 1
        new Request.Resolve(6, "localhost"));
  }

  static Stream<Event> events() {
    return Stream.of(
        new Event.Connected(1),
        new Event.Data(1, BYTES),
        new Event.DataFrom(3, "::1", 53, BYTES),
        new Event.Listening(4, 9000),
        new Event.UdpBound(3, 40000),
        new Event.Accepted(4, 4_000_001, "[::1]:50000"),
        new Event.Closed(1),
        new Event.Error(0, "invalid request"),
        new Event.Denied(7, "deny private"),
        new Event.Resolved(8, List.of("127.0.0.1", "::1")));
  }

  @ParameterizedTest
  @MethodSource("requests")
  void requestsRoundTripInBothFramings(Request request) throws ProtocolException {
    assertThat(JsonFraming.decodeRequest(JsonFraming.encode(request)))
        .usingRecursiveComparison()
        .isEqualTo(request);
    assertThat(BinaryFraming.decodeRequest(ByteBuffer.wrap(BinaryFraming.encode(request))))
        .usingRecursiveComparison()
        .isEqualTo(request);
  }

  @ParameterizedTest
  @MethodSource("events")
  void eventsRoundTripInBothFramings(Event event) throws ProtocolException {
    assertThat(JsonFraming.decodeEvent(JsonFraming.encode(event)))
        .usingRecursiveComparison()
        .isEqualTo(event);
    assertThat(BinaryFraming.decodeEvent(ByteBuffer.wrap(BinaryFraming.encode(event))))
        .usingRecursiveComparison()
        .isEqualTo(event);
  }

  @Test
  void binaryLayoutsAreWasmnets() {
    assertThat(hex(BinaryFraming.encode(new Request.Connect(42, "a.io", 443))))
        .isEqualTo("01" + "000000000000002a" + "01bb" + "612e696f");
    assertThat(hex(BinaryFraming.encode(new Request.Listen(7, 128))))
        .isEqualTo("03" + "0000000000000007" + "00000080");
    assertThat(hex(BinaryFraming.encode(new Request.SendTo(3, "h", 53, new byte[] {9}))))
        .isEqualTo("07" + "0000000000000003" + "0035" + "0001" + "68" + "09");
    assertThat(hex(BinaryFraming.encode(new Event.Accepted(1, 1_000_001, "h:1"))))
        .isEqualTo("84" + "0000000000000001" + "00000000000f4241" + "683a31");
    assertThat(hex(BinaryFraming.encode(new Event.Listening(2, 9000))))
        .isEqualTo("83" + "0000000000000002" + "2328");
    assertThat(
            new String(
                BinaryFraming.encode(new Event.Resolved(8, List.of("::1"))),
                9,
                7,
                StandardCharsets.UTF_8))
        .isEqualTo("[\"::1\"]");
  }

  @Test
  void jsonShapesAreWasmnets() throws ProtocolException {
    assertThat(JsonFraming.encode(new Request.Send(5, "hi".getBytes(StandardCharsets.UTF_8))))
        .isEqualTo("{\"op\":\"send\",\"id\":5,\"data\":\"aGk=\"}");
    assertThat(JsonFraming.encode(new Event.Accepted(1, 1_000_001, "1.2.3.4:5")))
        .isEqualTo("{\"ev\":\"accepted\",\"id\":1,\"conn_id\":1000001,\"remote\":\"1.2.3.4:5\"}");
    assertThat(JsonFraming.encode(new Request.Close(-1L)))
        .isEqualTo("{\"op\":\"close\",\"id\":18446744073709551615}");
    // A listen without a backlog means wasmnet's default; unknown fields are ignored.
    assertThat(JsonFraming.decodeRequest("{\"op\":\"listen\",\"id\":4,\"extra\":[1]}"))
        .isEqualTo(new Request.Listen(4, 128));
    // A short binary listen frame also means the default.
    assertThat(BinaryFraming.decodeRequest(ByteBuffer.wrap(hexBytes("030000000000000004"))))
        .isEqualTo(new Request.Listen(4, 128));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "not json",
        "[1,2]",
        "{\"op\":\"connect\"}",
        "{\"op\":\"connect\",\"id\":-1,\"addr\":\"a\",\"port\":1}",
        "{\"op\":\"connect\",\"id\":18446744073709551616,\"addr\":\"a\",\"port\":1}",
        "{\"op\":\"connect\",\"id\":1.5,\"addr\":\"a\",\"port\":1}",
        "{\"op\":\"connect\",\"id\":1,\"id\":2,\"addr\":\"a\",\"port\":1}",
        "{\"op\":\"connect\",\"id\":1,\"addr\":\"a\",\"port\":1} trailing",
      })
  void unreadableJsonIsAnErrorForIdZero(String text) {
    assertThatThrownBy(() -> JsonFraming.decodeRequest(text))
        .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.id()).isZero());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"op\":\"frobnicate\",\"id\":9}",
        "{\"op\":\"connected\",\"id\":9}",
        "{\"op\":\"connect\",\"id\":9,\"port\":1}",
        "{\"op\":\"connect\",\"id\":9,\"addr\":7,\"port\":1}",
        "{\"op\":\"connect\",\"id\":9,\"addr\":\"a\",\"port\":65536}",
        "{\"op\":\"connect\",\"id\":9,\"addr\":\"a\",\"port\":\"80\"}",
        "{\"op\":\"send\",\"id\":9,\"data\":\"not*base64\"}",
        "{\"op\":\"listen\",\"id\":9,\"backlog\":-1}",
      })
  void badFieldsAreAnErrorForTheirId(String text) {
    assertThatThrownBy(() -> JsonFraming.decodeRequest(text))
        .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.id()).isEqualTo(9));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ff0000000000000009", // unknown type
        "810000000000000009", // an event where a request belongs
        "0100000000000000090b", // connect without a whole port
        "070000000000000009003500", // send_to without an address length
        "0700000000000000090035000568", // address length past the end
        "0100000000000000090050c328", // address not UTF-8
      })
  void badBinaryFramesAreAnErrorForTheirId(String frame) {
    assertThatThrownBy(() -> BinaryFraming.decodeRequest(ByteBuffer.wrap(hexBytes(frame))))
        .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.id()).isEqualTo(9));
  }

  @Test
  void aFrameShorterThanItsHeaderIsAnErrorForIdZero() {
    assertThatThrownBy(() -> BinaryFraming.decodeRequest(ByteBuffer.wrap(hexBytes("01000000"))))
        .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.id()).isZero());
  }

  @Test
  void randomFramesAreDecodedOrRefusedNeverThrownOtherwise() {
    Random random = new Random(5);
    for (int i = 0; i < 20_000; i++) {
      byte[] frame = new byte[random.nextInt(40)];
      random.nextBytes(frame);
      if (frame.length > 0 && random.nextBoolean()) {
        frame[0] = (byte) (1 + random.nextInt(9)); // a known type, random payload
      }
      for (boolean asRequest : new boolean[] {true, false}) {
        try {
          if (asRequest) {
            BinaryFraming.decodeRequest(ByteBuffer.wrap(frame));
          } else if (frame.length > 0) {
            frame[0] |= (byte) 0x80;
            BinaryFraming.decodeEvent(ByteBuffer.wrap(frame));
          }
        } catch (ProtocolException expected) {
          // refused with an answer for the client: fine
        }
      }
    }
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  private static byte[] hexBytes(String hex) {
    return HexFormat.of().parseHex(hex);
  }
}
