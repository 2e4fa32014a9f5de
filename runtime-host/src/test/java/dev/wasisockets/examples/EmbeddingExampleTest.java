package dev.wasisockets.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.LoopbackLineServer;
import dev.wasisockets.fixtures.GuestFixture;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingExampleTest {
  @TempDir Path dir;

  @Test
  void theReadmeEmbeddingExampleTalksToALoopbackPeer() throws Exception {
    Path guest = GuestFixture.WASMEDGE_TCP_CLIENT.copyTo(dir);
    try (LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
      List<String> args = List.of("client", "127.0.0.1", "" + server.port(), "embedded");

      String printed = EmbeddingExample.runGuest(guest, server.port(), args);

      assertThat(server.receivedLine()).isEqualTo("embedded\n");
      assertThat(printed).isEqualTo("echo: embedded\n");
    }
  }
}
