package dev.wasisockets.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A hostile HTTP client: writes exactly the bytes a test gives over a plain socket and reads what
 * the gateway answers, so nothing between the test and the gateway repairs a malformed request.
 */
final class RawHttp {
  /** A well-formed WebSocket upgrade head up to (not including) the blank line that ends it. */
  static final String UPGRADE_HEADERS =
      "Host: 127.0.0.1\r\n"
          + "Upgrade: websocket\r\n"
          + "Connection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          + "Sec-WebSocket-Version: 13\r\n";

  /** A whole, valid upgrade request for {@code /}. */
  static final String UPGRADE = "GET / HTTP/1.1\r\n" + UPGRADE_HEADERS + "\r\n";

  private RawHttp() {}

  /** A socket to the gateway that fails a read after 10 s without a byte (a hang, not a timing). */
  static Socket open(WasmnetGateway gateway) throws IOException {
    Socket socket = new Socket();
    socket.connect(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), gateway.address().getPort()));
    socket.setSoTimeout(10_000);
    return socket;
  }

  /** Sends {@code request} on a fresh connection and returns the status line of the answer. */
  static String statusLineFor(WasmnetGateway gateway, byte[] request) throws IOException {
    try (Socket socket = open(gateway)) {
      socket.getOutputStream().write(request);
      socket.getOutputStream().flush();
      return statusLine(socket.getInputStream());
    }
  }

  static String statusLineFor(WasmnetGateway gateway, String request) throws IOException {
    return statusLineFor(gateway, request.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** The first line the gateway sends, or "" if it closes the connection without a line. */
  static String statusLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    try {
      for (int b; (b = in.read()) >= 0 && b != '\n'; ) {
        if (b != '\r') {
          line.write(b);
        }
      }
    } catch (SocketException e) {
      // A reset before any line: the same as a close without an answer.
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }

  /** The rest of a response head, up to the blank line: its header lines, in lower case. */
  static List<String> headLines(InputStream in) throws IOException {
    List<String> lines = new ArrayList<>();
    for (String line; !(line = statusLine(in)).isEmpty(); ) {
      lines.add(line.toLowerCase(Locale.ROOT));
    }
    return lines;
  }

  /** Reads the rest of a response head, up to the blank line. */
  static void skipHead(InputStream in) throws IOException {
    while (!statusLine(in).isEmpty()) {
      // header lines
    }
  }

  /** Whether the gateway closed the connection: a read sees end of stream (or a reset). */
  static boolean closedByGateway(Socket socket) throws IOException {
    try {
      InputStream in = socket.getInputStream();
      while (true) {
        int b = in.read();
        if (b < 0) {
          return true;
        }
      }
    } catch (SocketException e) {
      return true; // reset
    }
  }
}
