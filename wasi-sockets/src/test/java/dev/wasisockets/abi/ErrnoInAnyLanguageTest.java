package dev.wasisockets.abi;

import static dev.wasisockets.abi.RawAbiGuest.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The errno a guest gets for a socket failure does not depend on the language of the host: the
 * JDK's exception messages are the C library's {@code strerror} text, translated after the
 * process's locale. A JVM is started with German messages ({@code LANGUAGE=de}, which glibc honours
 * for any locale but "C", here {@code C.UTF-8}: no locale needs generating, only glibc's
 * translations, Debian's {@code libc-l10n}), and one in English; each makes the same real failures
 * on loopback and reports the errnos.
 */
class ErrnoInAnyLanguageTest {
  private static final int EADDRINUSE = 3;
  private static final int ECONNREFUSED = 14;
  private static final int ECONNRESET = 15;
  private static final int EMSGSIZE = 35;
  private static final int EPIPE = 64;
  private static final String ENGLISH_REFUSAL = "Connection refused";

  @Test
  @Timeout(120)
  void germanOsMessagesGiveTheSameErrnos() throws Exception {
    Map<String, String> german = probe(Map.of("LC_ALL", "C.UTF-8", "LANGUAGE", "de"));
    Assumptions.assumeFalse(
        german.get("message").contains(ENGLISH_REFUSAL),
        "glibc's German messages are not installed (Debian: libc-l10n), so the JDK's stay"
            + " English and this host cannot show a difference");

    assertErrnos(german);
  }

  @Test
  @Timeout(120)
  void englishOsMessagesGiveTheseErrnos() throws Exception {
    Map<String, String> english = probe(Map.of("LC_ALL", "C.UTF-8", "LANGUAGE", "en"));
    assertThat(english.get("message")).contains(ENGLISH_REFUSAL);

    assertErrnos(english);
  }

  private static void assertErrnos(Map<String, String> errnos) {
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("connect to a closed port", "" + ECONNREFUSED);
    expected.put("bind a port in use", "" + EADDRINUSE);
    expected.put("send after a reset", "" + ECONNRESET);
    expected.put("send again", "" + EPIPE);
    expected.put("receive after it", "0 bytes");
    expected.put("receive after a reset", "" + ECONNRESET);
    expected.put("receive again", "0 bytes");
    expected.put("send after it", "" + EPIPE);
    expected.put("send a datagram too long", "" + EMSGSIZE);
    expected.put("receive on UDP connected to a closed port", "" + ECONNREFUSED);
    assertThat(errnos).containsAllEntriesOf(expected);
  }

  /** Runs {@link Probe} in a new JVM with {@code environment}; its "name=value" lines. */
  private static Map<String, String> probe(Map<String, String> environment) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder builder =
        new ProcessBuilder(
                List.of(
                    java.toString(),
                    "-cp",
                    System.getProperty("java.class.path"),
                    Probe.class.getName()))
            .redirectErrorStream(true);
    builder.environment().remove("LANG");
    builder.environment().remove("LC_MESSAGES");
    builder.environment().putAll(environment);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    Map<String, String> lines = new HashMap<>();
    for (String line : output.split("\n")) {
      int equals = line.indexOf('=');
      if (equals > 0) {
        lines.put(line.substring(0, equals), line.substring(equals + 1));
      }
    }
    return lines;
  }

  /** Makes each failure happen to a guest and prints its errno; run in its own JVM. */
  static final class Probe {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final int DGRAM = 1;
    private static final int FD_READ = 1;
    private static final int SUBSCRIPTION = 1024;
    private static final int EVENT = 2048;
    private static final int NEVENTS = 4000;

    public static void main(String[] args) throws Exception {
      try (ServerSocket closed = new ServerSocket(0, 1, LOOPBACK)) {
        // The JDK's own message for a refused connect, in the process's language.
        int port = closed.getLocalPort();
        closed.close();
        try (SocketChannel channel = SocketChannel.open()) {
          channel.connect(new InetSocketAddress(LOOPBACK, port));
        } catch (IOException e) {
          print("message", e.getMessage());
        }
      }
      try (ServerSocket taken = new ServerSocket(0, 8, LOOPBACK);
          DatagramChannel udpPeer = DatagramChannel.open();
          RawAbiGuest guest = guest()) {
        udpPeer.bind(new InetSocketAddress(LOOPBACK, 0));
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, LOOPBACK)) {
          closedPort = probe.getLocalPort();
        }
        int closedUdpPort;
        try (DatagramChannel probe = DatagramChannel.open()) {
          probe.bind(new InetSocketAddress(LOOPBACK, 0));
          closedUdpPort = ((InetSocketAddress) probe.getLocalAddress()).getPort();
        }
        loopbackDescriptor(guest);

        int fd = guest.openSocket();
        print(
            "connect to a closed port",
            guest.call("sock_connect", fd, ADDRESS_DESCRIPTOR, closedPort));
        guest.call("fd_close", fd);

        fd = guest.openSocket();
        print(
            "bind a port in use",
            guest.call("sock_bind", fd, ADDRESS_DESCRIPTOR, taken.getLocalPort()));
        guest.call("fd_close", fd);

        fd = guest.openSocket();
        resetBy(guest.connectToPeer(fd));
        awaitReadable(guest, fd);
        guest.memory().write(DATA, "x".getBytes(StandardCharsets.US_ASCII));
        guest.iovec(IOVEC, DATA, 1);
        print("send after a reset", guest.call("sock_send", fd, IOVEC, 1, 0, COUNT_OUT));
        print("send again", guest.call("sock_send", fd, IOVEC, 1, 0, COUNT_OUT));
        print("receive after it", receive(guest, fd));
        guest.call("fd_close", fd);

        fd = guest.openSocket();
        resetBy(guest.connectToPeer(fd));
        awaitReadable(guest, fd);
        print("receive after a reset", receive(guest, fd));
        print("receive again", receive(guest, fd));
        guest.iovec(IOVEC, DATA, 1);
        print("send after it", guest.call("sock_send", fd, IOVEC, 1, 0, COUNT_OUT));
        guest.call("fd_close", fd);

        int udp = udp(guest);
        int udpPort = ((InetSocketAddress) udpPeer.getLocalAddress()).getPort();
        assertThat(guest.memory().grow(1)).isEqualTo(1);
        guest.iovec(IOVEC, PAGE, 65_508);
        print(
            "send a datagram too long",
            guest.call("sock_send_to", udp, IOVEC, 1, ADDRESS_DESCRIPTOR, udpPort, 0, COUNT_OUT));
        guest.call("fd_close", udp);

        udp = udp(guest);
        guest.call("sock_connect", udp, ADDRESS_DESCRIPTOR, closedUdpPort);
        guest.iovec(IOVEC, DATA, 1);
        guest.call("sock_send", udp, IOVEC, 1, 0, COUNT_OUT);
        awaitReadable(guest, udp); // the ICMP port unreachable has come back
        print("receive on UDP connected to a closed port", receive(guest, udp));
      }
      System.exit(0);
    }

    private static RawAbiGuest guest() throws IOException {
      return new RawAbiGuest(
          false,
          RawAbiGuest.MODULE,
          NetworkPolicy.builder()
              .allow(NetworkUse.BIND, "127.0.0.1")
              .allow(NetworkUse.TCP_CONNECT, "127.0.0.1")
              .allow(NetworkUse.UDP_SEND, "127.0.0.1"));
    }

    private static int udp(RawAbiGuest guest) {
      guest.call("sock_open", INET4, DGRAM, FD_OUT);
      return guest.memory().readInt(FD_OUT);
    }

    /** The peer closes with SO_LINGER 0: it sends a reset, not an end of stream. */
    private static void resetBy(Socket peer) throws IOException {
      peer.setSoLinger(true, 0);
      peer.close();
    }

    /** Waits in poll_oneoff until {@code fd} is readable (a reset or an error counts). */
    private static void awaitReadable(RawAbiGuest guest, int fd) {
      guest.memory().writeLong(SUBSCRIPTION, 1);
      guest.memory().writeByte(SUBSCRIPTION + 8, (byte) FD_READ);
      guest.memory().writeI32(SUBSCRIPTION + 16, fd);
      guest.call("poll_oneoff", SUBSCRIPTION, EVENT, 1, NEVENTS);
    }

    private static String receive(RawAbiGuest guest, int fd) {
      guest.iovec(IOVEC, DATA, 16);
      int errno = guest.call("sock_recv", fd, IOVEC, 1, 0, COUNT_OUT, FLAGS_OUT);
      return errno != 0 ? "" + errno : guest.memory().readInt(COUNT_OUT) + " bytes";
    }

    private static void loopbackDescriptor(RawAbiGuest guest) {
      guest.memory().write(ADDRESS_BYTES, new byte[] {127, 0, 0, 1});
      guest.addressDescriptor(ADDRESS_BYTES, 4);
    }

    private static void print(String name, Object value) {
      System.out.println(name + "=" + value);
    }
  }
}
