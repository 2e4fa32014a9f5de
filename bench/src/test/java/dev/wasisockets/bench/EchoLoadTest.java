package dev.wasisockets.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The echo rows' load checks what comes back: against real loopback servers that echo faithfully,
 * swap two pieces of the stream, alter a reply or send a byte too many.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EchoLoadTest {
  private static final long ME = ProcessHandle.current().pid();
  private static final int PIECE = 16 * 1024;

  /** One connection's handling by a test server. */
  interface Echo {
    void serve(InputStream in, OutputStream out) throws IOException;
  }

  @Test
  void faithfulEchoPassesBothWorks() throws Exception {
    try (ServerSocket server = serve(EchoLoadTest::echo)) {
      EchoLoad.Window bulk = EchoLoad.bulk(address(server), ME, 3L << 20);
      EchoLoad.Window pingPong = EchoLoad.pingPong(address(server), ME, 1_000);
      assertThat(bulk).isNotNull();
      assertThat(pingPong).isNotNull();
    }
  }

  @Test
  void bulkEchoWithTwoPiecesSwappedFails() throws Exception {
    Echo swapping =
        (in, out) -> {
          byte[] first = in.readNBytes(PIECE);
          byte[] second = in.readNBytes(PIECE);
          out.write(second); // the same bytes, in another order
          out.write(first);
          echo(in, out);
        };
    try (ServerSocket server = serve(swapping)) {
      assertThatThrownBy(() -> EchoLoad.bulk(address(server), ME, 1L << 20))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("differs from what was sent");
    }
  }

  @Test
  void bulkEchoWithAByteTooManyFails() throws Exception {
    Echo oneMore =
        (in, out) -> {
          echo(in, out);
          out.write(0); // after the load's end of stream
        };
    try (ServerSocket server = serve(oneMore)) {
      assertThatThrownBy(() -> EchoLoad.bulk(address(server), ME, 1L << 20))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("more than it was sent");
    }
  }

  @Test
  void pingPongWithAnAlteredReplyFails() throws Exception {
    Echo altering =
        (in, out) -> {
          for (int i = 0; ; i++) {
            byte[] request = in.readNBytes(64);
            if (request.length < 64) {
              return;
            }
            if (i == 500) {
              request[63] ^= 1;
            }
            out.write(request);
          }
        };
    try (ServerSocket server = serve(altering)) {
      assertThatThrownBy(() -> EchoLoad.pingPong(address(server), ME, 1_000))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("reply 500 differs");
    }
  }

  private static void echo(InputStream in, OutputStream out) throws IOException {
    byte[] buffer = new byte[PIECE];
    for (int n; (n = in.read(buffer)) > 0; ) {
      out.write(buffer, 0, n);
    }
  }

  private static InetSocketAddress address(ServerSocket server) {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
  }

  /** A loopback server handling each connection with {@code echo} on a thread of its own. */
  private static ServerSocket serve(Echo echo) throws IOException {
    ServerSocket server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    CompletableFuture.runAsync(
        () -> {
          while (!server.isClosed()) {
            try {
              Socket socket = server.accept();
              Thread worker =
                  new Thread(
                      () -> {
                        try (socket) {
                          echo.serve(socket.getInputStream(), socket.getOutputStream());
                        } catch (IOException e) {
                          // the load closed on a mismatch
                        }
                      });
              worker.setDaemon(true);
              worker.start();
            } catch (IOException e) {
              return; // closed
            }
          }
        });
    return server;
  }
}
