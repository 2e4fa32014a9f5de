package dev.wasisockets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.GuestRun.Mode;
import dev.wasisockets.GuestRun.Result;
import dev.wasisockets.GuestRun.Server;
import dev.wasisockets.fixtures.GuestFixture;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A guest that polls stdin and a connection at once (issue 12, item 12): stdin with nothing to read
 * is not ready, so the connection is served while stdin is quiet, and stdin is served when bytes
 * come. Before, stdin was always ready and the guest sat in {@code fd_read} on it.
 */
class StdinPollGuestTest {

  @ParameterizedTest
  @EnumSource(Mode.class)
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void theConnectionIsServedWhileStdinIsQuietAndStdinWhenItsBytesCome(Mode mode) throws Exception {
    PipedOutputStream keyboard = new PipedOutputStream();
    PipedInputStream stdin = new PipedInputStream(keyboard, 4096);
    try (Server server = GuestRun.serve(GuestFixture.C_STDIN_SOCKET_RELAY.bytes(), mode, stdin);
        Socket client = connect(server)) {
      send(client, "hello\n");
      assertThat(receive(client, "heard hello\n".length()))
          .as("the answer to the connection, while stdin has nothing")
          .isEqualTo("heard hello\n");

      keyboard.write("typed\n".getBytes(StandardCharsets.US_ASCII));
      keyboard.flush();
      assertThat(receive(client, "typed\n".length())).isEqualTo("typed\n");

      send(client, "bye\n");
      assertThat(receive(client, "heard bye\n".length())).isEqualTo("heard bye\n");
      client.shutdownOutput();
      assertThat(client.getInputStream().read()).as("end of stream").isEqualTo(-1);

      Result result = server.join();
      assertThat(result.stdout()).isEqualTo("socket: hello\nstdin: typed\nsocket: bye\ndone\n");
      assertThat(result.exitCode()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void stdinThatHoldsAllItsBytesIsReadableToItsEnd(Mode mode) throws Exception {
    InputStream stdin = new ByteArrayInputStream("given\n".getBytes(StandardCharsets.US_ASCII));
    try (Server server = GuestRun.serve(GuestFixture.C_STDIN_SOCKET_RELAY.bytes(), mode, stdin);
        Socket client = connect(server)) {
      assertThat(receive(client, "given\n".length())).isEqualTo("given\n");

      send(client, "hi\n");
      assertThat(receive(client, "heard hi\n".length())).isEqualTo("heard hi\n");
      client.shutdownOutput();
      assertThat(client.getInputStream().read()).as("end of stream").isEqualTo(-1);

      Result result = server.join();
      assertThat(result.stdout()).isEqualTo("stdin: given\nstdin: end\nsocket: hi\ndone\n");
      assertThat(result.exitCode()).isZero();
    }
  }

  private static Socket connect(Server server) throws IOException {
    Socket client = new Socket(InetAddress.getLoopbackAddress(), server.port());
    client.setSoTimeout(20_000); // a guest stuck in fd_read fails the read, not the build
    return client;
  }

  private static void send(Socket client, String text) throws IOException {
    OutputStream out = client.getOutputStream();
    out.write(text.getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  private static String receive(Socket client, int length) throws IOException {
    return new String(client.getInputStream().readNBytes(length), StandardCharsets.US_ASCII);
  }
}
