package dev.wasisockets.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.wasmnet.NettyLeakCheck;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A malformed upgrade request is refused before any upgrade, whatever else it gets right (a valid
 * token included): the bytes go over a raw socket, so nothing repairs them on the way.
 */
@ExtendWith(NettyLeakCheck.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GatewayUpgradeRequestTest {
  private static final String TOKEN = "s3cret";
  private static final String AUTHORIZATION = "Authorization: Bearer " + TOKEN + "\r\n";

  private WasmnetGateway gateway;

  @BeforeEach
  void start() throws Exception {
    gateway = TestGateways.onLoopback().token(TOKEN).build().start();
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  @Test
  void aWellFormedRequestIsUpgraded() throws Exception {
    assertThat(statusFor("GET / HTTP/1.1\r\n" + AUTHORIZATION + RawHttp.UPGRADE_HEADERS + "\r\n"))
        .isEqualTo("HTTP/1.1 101 Switching Protocols");
  }

  @Test
  void aHeadOverTheLimitIsRefusedAndNeverUpgraded() throws Exception {
    // What the hostile test sent: 5,000 small headers after valid upgrade headers, a 54 KB head.
    StringBuilder request =
        new StringBuilder("GET / HTTP/1.1\r\n" + AUTHORIZATION + RawHttp.UPGRADE_HEADERS);
    for (int i = 0; i < 5000; i++) {
      request.append("X-Pad-").append(i).append(": a\r\n");
    }
    request.append("\r\n");

    assertThat(statusFor(request.toString()))
        .isEqualTo("HTTP/1.1 431 Request Header Fields Too Large");
  }

  @Test
  void aRequestLineOverTheLimitIsRefused() throws Exception {
    String request =
        "GET /?pad=" + "a".repeat(9000) + " HTTP/1.1\r\n" + AUTHORIZATION + RawHttp.UPGRADE_HEADERS;

    assertThat(statusFor(request + "\r\n")).startsWith("HTTP/1.1 414 ");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "A header line without a colon\r\n",
        "X-Nul: a\0b\r\n",
        "X-Nul\0: a\r\n",
        "X-Cr: a\rb\r\n",
        "Host : 127.0.0.1\r\n", // RFC 9112 §5.1: whitespace before the colon is rejected with 400
        "Content-Length: -1\r\n",
        "Content-Length: 1x\r\n",
        "Content-Length: 0\r\nContent-Length: 5\r\n",
      })
  void aMalformedHeaderIsABadRequest(String header) throws Exception {
    assertThat(statusFor(requestWith(header) + "\r\n")).isEqualTo("HTTP/1.1 400 Bad Request");
  }

  @Test
  void aLineEndedByABareLineFeedIsABadRequest() throws Exception {
    String request = requestWith("") + "\r\n";

    assertThat(statusFor(request.replace("Upgrade\r\n", "Upgrade\n")))
        .isEqualTo("HTTP/1.1 400 Bad Request");
  }

  @Test
  void bothContentLengthAndTransferEncodingIsABadRequest() throws Exception {
    // RFC 9112 §6.1: a server MAY reject it, and a request smuggler is the one who sends it.
    String request =
        requestWith("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n") + "\r\n0\r\n\r\n";

    assertThat(statusFor(request)).isEqualTo("HTTP/1.1 400 Bad Request");
  }

  @Test
  void aBodyIsABadRequest() throws Exception {
    // RFC 6455 §4.1 names no body for the opening handshake; a proxy and the gateway could
    // disagree on where it ends.
    String request = requestWith("Transfer-Encoding: chunked\r\n") + "\r\n5\r\nhello\r\n0\r\n\r\n";

    assertThat(statusFor(request)).isEqualTo("HTTP/1.1 400 Bad Request");
  }

  @ParameterizedTest
  @ValueSource(strings = {"HTTP/9.9", "HTTP/2.0", "HTTP/0.9"})
  void anotherMajorVersionIsNotSupported(String version) throws Exception {
    String request = "GET / " + version + "\r\n" + AUTHORIZATION + RawHttp.UPGRADE_HEADERS + "\r\n";

    assertThat(statusFor(request)).isEqualTo("HTTP/1.1 505 HTTP Version Not Supported");
  }

  @Test
  void http10CannotUpgrade() throws Exception {
    // RFC 6455 §4.1: the opening handshake is HTTP/1.1 or later.
    String request = "GET / HTTP/1.0\r\n" + AUTHORIZATION + RawHttp.UPGRADE_HEADERS + "\r\n";

    assertThat(statusFor(request)).isEqualTo("HTTP/1.1 400 Bad Request");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "\u0001\u0002\u0003 garbage\r\n\r\n",
        "GET\r\n\r\n",
        "GET / HTTP/1.1 extra\r\n\r\n",
        "GET / FTP/1.1\r\n\r\n",
      })
  void aGarbageRequestLineIsABadRequest(String request) throws Exception {
    assertThat(statusFor(request)).isEqualTo("HTTP/1.1 400 Bad Request");
  }

  @Test
  void aRequestWithoutHostOrWithTwoIsABadRequest() throws Exception {
    // RFC 9112 §3.2: a server MUST answer 400 to either.
    String upgradeWithoutHost = RawHttp.UPGRADE_HEADERS.replace("Host: 127.0.0.1\r\n", "");
    String withoutHost = "GET / HTTP/1.1\r\n" + AUTHORIZATION + upgradeWithoutHost + "\r\n";

    assertThat(statusFor(withoutHost)).isEqualTo("HTTP/1.1 400 Bad Request");
    assertThat(statusFor(requestWith("Host: 127.0.0.2\r\n") + "\r\n"))
        .isEqualTo("HTTP/1.1 400 Bad Request");
  }

  @Test
  void anUnknownWebSocketVersionIsAnsweredAndTheConnectionEnds() throws Exception {
    // Netty answers 426 and would keep the connection for another request; the gateway reads one.
    String request =
        "GET / HTTP/1.1\r\n"
            + AUTHORIZATION
            + RawHttp.UPGRADE_HEADERS.replace("Version: 13", "Version: 99")
            + "\r\n";
    try (Socket socket = RawHttp.open(gateway)) {
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));

      assertThat(RawHttp.statusLine(socket.getInputStream())).startsWith("HTTP/1.1 426 ");
      assertThat(RawHttp.closedByGateway(socket)).isTrue();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "Sec-WebSocket-Version: 8\r\n", "Sec-WebSocket-Version: 7\r\n"})
  void onlyWebSocketVersion13IsUpgraded(String version) throws Exception {
    // RFC 6455 §4.2.2: another version is answered 426 with the one the server speaks. Without
    // the header, Netty would take the request for the 2010 draft (hixie-76) handshake.
    String request =
        "GET / HTTP/1.1\r\n"
            + AUTHORIZATION
            + RawHttp.UPGRADE_HEADERS.replace("Sec-WebSocket-Version: 13\r\n", version)
            + "\r\n";
    try (Socket socket = RawHttp.open(gateway)) {
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));

      InputStream in = socket.getInputStream();
      assertThat(RawHttp.statusLine(in)).isEqualTo("HTTP/1.1 426 Upgrade Required");
      assertThat(RawHttp.headLines(in)).contains("sec-websocket-version: 13");
      assertThat(RawHttp.closedByGateway(socket)).isTrue();
    }
  }

  @Test
  void aRefusedRequestIsClosed() throws Exception {
    try (Socket socket = RawHttp.open(gateway)) {
      socket
          .getOutputStream()
          .write(requestWith("X-Nul: \0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));

      assertThat(RawHttp.statusLine(socket.getInputStream())).isEqualTo("HTTP/1.1 400 Bad Request");
      assertThat(RawHttp.closedByGateway(socket)).isTrue();
    }
  }

  private static String requestWith(String header) {
    return "GET / HTTP/1.1\r\n" + AUTHORIZATION + RawHttp.UPGRADE_HEADERS + header;
  }

  private String statusFor(String request) throws Exception {
    return RawHttp.statusLineFor(gateway, request);
  }
}
