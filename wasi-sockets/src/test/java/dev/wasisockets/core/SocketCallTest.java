package dev.wasisockets.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.transport.ConnectionResetException;
import dev.wasisockets.transport.RemotePolicyException;
import dev.wasisockets.transport.UnsupportedByTransportException;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import org.junit.jupiter.api.Test;

/**
 * The errno of a failure from its exception's type, the call and the socket's state, for the cases
 * loopback cannot produce (an OS connect timeout, an address not this host's, no route). The
 * messages are nonsense on purpose: no errno may come from them (ErrnoInAnyLanguageTest runs the
 * real failures in German).
 */
class SocketCallTest {
  private static final String TEXT = "Verbindung timed out reset refused broken pipe";

  @Test
  void typesThatSayTheErrnoWhateverTheCall() {
    for (SocketCall call : SocketCall.values()) {
      assertThat(call.errnoOf(new ConnectionResetException(TEXT))).isEqualTo(Errno.ECONNRESET);
      assertThat(call.errnoOf(new RemotePolicyException(TEXT))).isEqualTo(Errno.EACCES);
      assertThat(call.errnoOf(new UnsupportedByTransportException(TEXT))).isEqualTo(Errno.ENOTSUP);
      assertThat(call.errnoOf(new NoRouteToHostException(TEXT))).isEqualTo(Errno.EHOSTUNREACH);
      assertThat(call.errnoOf(new PortUnreachableException(TEXT))).isEqualTo(Errno.ECONNREFUSED);
    }
  }

  @Test
  void whatTheCallDecides() {
    assertThat(SocketCall.CONNECT.errnoOf(new SocketException(TEXT))).isEqualTo(Errno.ENETUNREACH);
    assertThat(SocketCall.DATAGRAM_SEND.errnoOf(new SocketException(TEXT)))
        .isEqualTo(Errno.ENETUNREACH);
    assertThat(SocketCall.DATAGRAM_SEND.errnoOf(new BindException(TEXT)))
        .as("the JDK's name for EACCES on a send (broadcast without SO_BROADCAST)")
        .isEqualTo(Errno.EACCES);
    assertThat(SocketCall.STREAM_RECEIVE.errnoOf(new SocketException(TEXT)))
        .isEqualTo(Errno.ECONNRESET);
    assertThat(SocketCall.STREAM_RECEIVE.errnoOf(new IOException(TEXT))).isEqualTo(Errno.ETIMEDOUT);
    assertThat(SocketCall.STREAM_SEND.errnoOf(new IOException(TEXT))).isEqualTo(Errno.ECONNRESET);
    assertThat(SocketCall.STREAM_SEND.errnoOf(new ClosedChannelException())).isEqualTo(Errno.EPIPE);
    assertThat(SocketCall.OPTION.errnoOf(new ClosedChannelException())).isEqualTo(Errno.EBADF);
    assertThat(SocketCall.SHUTDOWN.errnoOf(new SocketException(TEXT))).isEqualTo(Errno.ENOTCONN);
    assertThat(SocketCall.ACCEPT.errnoOf(new IOException(TEXT))).isEqualTo(Errno.EIO);
  }

  @Test
  void aConnectRefusedAtOnceOrGivenUpOnByTheOs() {
    ConnectException failed = new ConnectException(TEXT);
    assertThat(TcpSocket.connectFailure(failed, 2_000_000, false).errno())
        .isEqualTo(Errno.ECONNREFUSED);
    assertThat(TcpSocket.connectFailure(failed, 127_000_000_000L, false).errno())
        .isEqualTo(Errno.ETIMEDOUT);
    assertThat(TcpSocket.connectFailure(new BindException(TEXT), 0, false).errno())
        .as("no local port free")
        .isEqualTo(Errno.EADDRNOTAVAIL);
    assertThat(TcpSocket.connectFailure(new BindException(TEXT), 0, true).errno())
        .isEqualTo(Errno.EADDRINUSE);
  }

  @Test
  void aBindRefusedForAnAddressInUseOrNotThisHosts() throws IOException {
    BindException refused = new BindException(TEXT);
    InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 80);
    InetSocketAddress wildcard = new InetSocketAddress(0);
    // No socket is opened: the address is only looked up among this host's interfaces.
    InetSocketAddress documentation = new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 80);

    assertThat(GuestSocket.bindFailure(refused, loopback, SocketCall.BIND).errno())
        .isEqualTo(Errno.EADDRINUSE);
    assertThat(GuestSocket.bindFailure(refused, wildcard, SocketCall.BIND).errno())
        .isEqualTo(Errno.EADDRINUSE);
    assertThat(GuestSocket.bindFailure(refused, documentation, SocketCall.BIND).errno())
        .isEqualTo(Errno.EADDRNOTAVAIL);
    assertThat(
            GuestSocket.bindFailure(new SocketException(TEXT), loopback, SocketCall.BIND).errno())
        .isEqualTo(Errno.EINVAL);
  }
}
