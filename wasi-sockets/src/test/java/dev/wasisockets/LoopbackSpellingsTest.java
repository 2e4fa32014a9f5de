package dev.wasisockets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.GuestRun.Mode;
import dev.wasisockets.GuestRun.Result;
import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * End to end: a guest names the loopback address in disguise (through sock_getaddrinfo, then
 * connects) to a local server that counts what reaches it. Denying loopback denies every spelling;
 * nothing reaches the server.
 */
class LoopbackSpellingsTest {
  private static final int EACCES = 2;

  @ParameterizedTest
  @ValueSource(
      strings = {"127.0.0.1", "127.1", "2130706433", "0x7f000001", "0177.0.0.1", "localhost"})
  void everySpellingOfLoopbackIsDeniedWhenLoopbackIs(String host) throws Exception {
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.INET)) {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      server.configureBlocking(false);
      int port = server.socket().getLocalPort();
      NetworkPolicy policy =
          NetworkPolicy.builder()
              .allowLookup()
              .allow(NetworkUse.TCP_CONNECT, "*")
              .deny(NetworkUse.TCP_CONNECT, "loopback")
              .build();

      Result result = lookupClient(policy, host, port, "x");

      assertThat(result.stderr()).isEqualTo("sock_connect failed: errno 2\n");
      assertThat(result.exitCode()).isEqualTo(EACCES);
      assertThat(server.accept()).as("connections that reached the server").isNull();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.1", "2130706433", "localhost"})
  void aGrantForTheAddressCoversEverySpellingOfIt(String host) throws Exception {
    try (LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
      NetworkPolicy policy =
          NetworkPolicy.builder()
              .allowLookup()
              .allow(NetworkUse.TCP_CONNECT, "127.0.0.1:" + server.port())
              .build();

      Result result = lookupClient(policy, host, server.port(), "spelled " + host);

      assertThat(server.receivedLine()).isEqualTo("spelled " + host + "\n");
      assertThat(result.exitCode()).isZero();
    }
  }

  @Test
  void aDomainGrantCoversTheAddressesTheGuestLookedTheNameUpTo() throws Exception {
    String host = "localhost";
    try (LoopbackLineServer server = LoopbackLineServer.onIpv4()) {
      NetworkPolicy policy =
          NetworkPolicy.builder()
              .allowLookup()
              .allow(NetworkUse.TCP_CONNECT, "localhost:" + server.port())
              .build();

      Result result = lookupClient(policy, host, server.port(), "by domain");

      assertThat(server.receivedLine()).isEqualTo("by domain\n");
      assertThat(result.exitCode()).isZero();
    }
  }

  /** Runs the lookup client: it looks {@code host} up, connects on {@code port}, sends a line. */
  private static Result lookupClient(NetworkPolicy policy, String host, int port, String line) {
    return GuestRun.run(
        GuestFixture.WASMEDGE_LOOKUP_CLIENT.bytes(),
        Mode.INTERPRETER,
        policy,
        host,
        "" + port,
        line);
  }
}
