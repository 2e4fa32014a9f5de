package dev.wasisockets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.GuestRun.Mode;
import dev.wasisockets.GuestRun.Result;
import dev.wasisockets.GuestRun.Server;
import dev.wasisockets.fixtures.GuestFixture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Go {@code net/http} server guest (the start-up benchmarks' server), talked to over real
 * loopback connections: keep-alive connections open at once, one arriving while others are idle,
 * bodies checked byte for byte, and a graceful exit after the requests it was told to serve.
 */
class GoHttpServerGuestTest {
  @Test
  @Timeout(180) // the first compile of 8 MB of Go, on a cold cache, takes most of it
  void servesKeepAliveConnectionsOpenAtOnceAndExitsAfterItsRequests() throws Exception {
    byte[] body = new byte[100_000];
    new Random(7).nextBytes(body);
    try (Server server =
        GuestRun.serve(GuestFixture.GO_HTTP_SERVER.bytes(), Mode.COMPILER, "-requests", "5")) {
      try (HttpConnection first = new HttpConnection(server.port());
          HttpConnection second = new HttpConnection(server.port())) {
        assertThat(first.get("/")).isEqualTo("hello\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(second.post("/echo", body)).isEqualTo(body);
        assertThat(first.get("/")).isEqualTo("hello\n".getBytes(StandardCharsets.US_ASCII));
        // A connection that arrives while the first two are open and idle.
        try (HttpConnection third = new HttpConnection(server.port())) {
          assertThat(third.get("/")).isEqualTo("hello\n".getBytes(StandardCharsets.US_ASCII));
          assertThat(second.post("/echo", new byte[] {1, 2, 3})).containsExactly(1, 2, 3);
        }
      }

      Result result = server.join();
      assertThat(result.stdout()).isEqualTo("served 5 requests\n");
      assertThat(result.stderr()).isEmpty();
      assertThat(result.exitCode()).isZero();
    }
  }

  /** One HTTP/1.1 keep-alive connection: requests one at a time, bodies by Content-Length. */
  private static final class HttpConnection implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;

    HttpConnection(int port) throws IOException {
      socket = new Socket(InetAddress.getLoopbackAddress(), port);
      socket.setSoTimeout(60_000);
      in = socket.getInputStream();
    }

    byte[] get(String path) throws IOException {
      return exchange("GET " + path + " HTTP/1.1\r\nHost: guest\r\n\r\n", new byte[0]);
    }

    byte[] post(String path, byte[] body) throws IOException {
      return exchange(
          "POST "
              + path
              + " HTTP/1.1\r\nHost: guest\r\nContent-Length: "
              + body.length
              + "\r\n\r\n",
          body);
    }

    private byte[] exchange(String head, byte[] body) throws IOException {
      socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().write(body);
      String status = line();
      assertThat(status).isEqualTo("HTTP/1.1 200 OK");
      int length = -1;
      for (String header = line(); !header.isEmpty(); header = line()) {
        if (header.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
          length = Integer.parseInt(header.substring("content-length:".length()).trim());
        }
      }
      assertThat(length).as("Content-Length").isNotNegative();
      return in.readNBytes(length);
    }

    private String line() throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      for (int b = in.read(); b != '\n'; b = in.read()) {
        if (b < 0) {
          throw new IOException("the server closed in the middle of a response");
        }
        line.write(b);
      }
      String text = line.toString(StandardCharsets.US_ASCII);
      return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
