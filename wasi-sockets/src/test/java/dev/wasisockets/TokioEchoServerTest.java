package dev.wasisockets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.GuestRun.Mode;
import dev.wasisockets.GuestRun.Result;
import dev.wasisockets.GuestRun.Server;
import dev.wasisockets.fixtures.GuestFixture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A tokio 1.24 guest (current-thread runtime, mio 0.8's WASI selector) on a preopened listener
 * echoes every connection byte for byte and then exits 0 by itself. Issue 12, item 19: built to
 * keep its listener open while it waited for its tasks, the same guest echoed them all and then
 * waited in poll_oneoff, on that listener only, for ever; that is a wake-up tokio 1.24 loses on
 * WASI, not the host (docs/compatibility.md), so the fixture closes its listener first.
 */
class TokioEchoServerTest {

  @ParameterizedTest
  @EnumSource(Mode.class)
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void echoesConnectionsOneAfterAnotherThenExits(Mode mode) throws Exception {
    int connections = 4;
    try (Server server =
        GuestRun.serve(GuestFixture.RUST_TOKIO_ECHO_SERVER.bytes(), mode, "" + connections)) {
      for (int i = 0; i < connections; i++) {
        try (Socket client = connect(server)) {
          byte[] message = message(i, 1000 + i * 70_000);
          client.getOutputStream().write(message);
          client.shutdownOutput();

          assertThat(client.getInputStream().readAllBytes()).isEqualTo(message);
        }
      }

      assertExitedAfterServing(server.join(), connections);
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void echoesConnectionsOpenAtOnceThenExits(Mode mode) throws Exception {
    int connections = 4;
    try (Server server =
        GuestRun.serve(GuestFixture.RUST_TOKIO_ECHO_SERVER.bytes(), mode, "" + connections)) {
      List<Socket> clients = new ArrayList<>();
      for (int i = 0; i < connections; i++) {
        clients.add(connect(server));
      }
      // Served in the reverse order of connecting: only a server with every connection open at
      // once answers the first one after the others.
      for (int i = connections - 1; i >= 0; i--) {
        Socket client = clients.get(i);
        byte[] message = message(i, 100 + i);
        client.getOutputStream().write(message);
        assertThat(client.getInputStream().readNBytes(message.length)).isEqualTo(message);
      }
      for (Socket client : clients) {
        client.shutdownOutput();
        assertThat(client.getInputStream().read()).as("end of stream").isEqualTo(-1);
        client.close();
      }

      assertExitedAfterServing(server.join(), connections);
    }
  }

  private static void assertExitedAfterServing(Result result, int connections) {
    assertThat(result.stderr()).isEmpty();
    assertThat(result.stdout()).isEqualTo("served " + connections + "\n");
    assertThat(result.exitCode()).isZero();
  }

  /** {@code size} random bytes, different for each {@code seed}. */
  private static byte[] message(int seed, int size) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private static Socket connect(Server server) throws IOException {
    return new Socket(InetAddress.getLoopbackAddress(), server.port());
  }
}
