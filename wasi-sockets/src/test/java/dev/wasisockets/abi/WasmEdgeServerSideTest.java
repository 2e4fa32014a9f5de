package dev.wasisockets.abi;

import static dev.wasisockets.abi.RawAbiGuest.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.wasm.WasmModule;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/**
 * The WasmEdge extension's server side, addresses and options, called directly: bind, listen,
 * accept (V1 and V2), local and peer addresses (V1 and V2), socket options and SO_ERROR.
 */
class WasmEdgeServerSideTest {
  private static final WasmModule V1 = RawAbiGuest.passThrough(RawAbiGuest.WASMEDGE_V1_IMPORTS);
  private static final int TAGGED = 256; // a 128-byte tagged address buffer
  private static final int PORT_OUT = 400;
  private static final int TYPE_OUT = 404;
  private static final int VALUE = 408;
  private static final int LENGTH = 440;
  private static final int SOL_SOCKET = 0;
  private static final int SO_TYPE = 1;
  private static final int SO_ERROR = 2;
  private static final int SO_RCVBUF = 6;
  private static final int SO_KEEPALIVE = 7;
  private static final int SO_DONTROUTE = 3;
  private static final int SO_LINGER = 9;
  private static final int SO_RCVTIMEO = 11;
  private static final int SO_ACCEPTCONN = 13;
  private static final int IPPROTO_TCP = 6;
  private static final int TCP_NODELAY = 1;
  private static final int FD_WRITE = 2;

  @Test
  void bindListenAcceptAndBothAddressesThroughTheV2Forms() throws IOException {
    try (RawAbiGuest guest = guestAllowedToBind(RawAbiGuest.MODULE)) {
      int listener = guest.openSocket();
      loopbackDescriptor(guest, 4);
      assertThat(guest.call("sock_bind", listener, ADDRESS_DESCRIPTOR, 0)).isZero();
      assertThat(guest.call("sock_listen", listener, 16)).isZero();

      guest.addressDescriptor(TAGGED, 128);
      assertThat(guest.call("sock_getlocaladdr", listener, ADDRESS_DESCRIPTOR, PORT_OUT)).isZero();
      assertThat(guest.memory().readShort(TAGGED)).as("family tag: inet4").isEqualTo((short) 1);
      assertThat(guest.memory().readBytes(TAGGED + 2, 4)).containsExactly(127, 0, 0, 1);
      int port = guest.memory().readInt(PORT_OUT);
      assertThat(port).isPositive();

      try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
        assertThat(guest.call("sock_accept", listener, 0, FD_OUT)).isZero();
        int accepted = guest.memory().readInt(FD_OUT);
        assertThat(guest.call("sock_getpeeraddr", accepted, ADDRESS_DESCRIPTOR, PORT_OUT)).isZero();
        assertThat(guest.memory().readInt(PORT_OUT)).isEqualTo(client.getLocalPort());
        assertThat(guest.call("sock_getpeeraddr", listener, ADDRESS_DESCRIPTOR, PORT_OUT))
            .as("a listener has no peer")
            .isEqualTo(ENOTCONN);
      }
    }
  }

  @Test
  void theV1FormsAcceptWithoutFlagsAndReportRawAddressesWithATypeOf4Or6() throws IOException {
    try (RawAbiGuest guest = guestAllowedToBind(V1)) {
      int listener = guest.openSocket();
      loopbackDescriptor(guest, 4);
      assertThat(guest.call("sock_bind", listener, ADDRESS_DESCRIPTOR, 0)).isZero();
      assertThat(guest.call("sock_listen", listener, 4)).isZero();
      guest.addressDescriptor(TAGGED, 16);
      assertThat(guest.call("sock_getlocaladdr", listener, ADDRESS_DESCRIPTOR, TYPE_OUT, PORT_OUT))
          .isZero();
      assertThat(guest.memory().readInt(TYPE_OUT)).isEqualTo(4);
      assertThat(guest.memory().readBytes(TAGGED, 4)).containsExactly(127, 0, 0, 1);
      int port = guest.memory().readInt(PORT_OUT);

      guest.addressDescriptor(TAGGED, 128);
      assertThat(guest.call("sock_getlocaladdr", listener, ADDRESS_DESCRIPTOR, TYPE_OUT, PORT_OUT))
          .as("V1 takes 4- or 16-byte buffers only")
          .isEqualTo(EINVAL);

      try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
        assertThat(guest.call("sock_accept", listener, FD_OUT)).isZero();
        assertThat(guest.memory().readInt(FD_OUT)).isGreaterThan(listener);
      }
    }
  }

  @Test
  void bindingAnAddressNotGrantedIsEacces() throws IOException {
    try (RawAbiGuest guest = new RawAbiGuest(false, RawAbiGuest.MODULE, NetworkPolicy.builder())) {
      int fd = guest.openSocket();
      loopbackDescriptor(guest, 4);
      assertThat(guest.call("sock_bind", fd, ADDRESS_DESCRIPTOR, 0)).isEqualTo(EACCES);
      assertThat(guest.call("sock_listen", fd, 4))
          .as("listening unbound binds the wildcard address, which is not granted either")
          .isEqualTo(EACCES);
    }
  }

  @Test
  void optionsAreReadAndSetWithEitherLengthConvention() throws IOException {
    try (RawAbiGuest guest = guestAllowedToBind(RawAbiGuest.MODULE)) {
      int fd = guest.openSocket();
      // dispatchrun/net passes the length itself...
      assertThat(guest.call("sock_getsockopt", fd, SOL_SOCKET, SO_TYPE, VALUE, 4)).isZero();
      assertThat(guest.memory().readInt(VALUE)).as("SOCK_STREAM").isEqualTo(2);
      // ...WasmEdge and wasmedge_wasi_socket a pointer to it, which gets the length written.
      guest.memory().writeI32(LENGTH, 4);
      assertThat(guest.call("sock_getsockopt", fd, SOL_SOCKET, SO_ACCEPTCONN, VALUE, LENGTH))
          .isZero();
      assertThat(guest.memory().readInt(VALUE)).isZero();
      assertThat(guest.memory().readInt(LENGTH)).isEqualTo(4);

      guest.memory().writeI32(VALUE, 1);
      assertThat(guest.call("sock_setsockopt", fd, SOL_SOCKET, SO_KEEPALIVE, VALUE, 4)).isZero();
      assertThat(guest.call("sock_setsockopt", fd, IPPROTO_TCP, TCP_NODELAY, VALUE, 4)).isZero();
      guest.memory().writeI32(VALUE, 0);
      assertThat(guest.call("sock_getsockopt", fd, SOL_SOCKET, SO_KEEPALIVE, VALUE, 4)).isZero();
      assertThat(guest.memory().readInt(VALUE)).isEqualTo(1);
      assertThat(guest.call("sock_getsockopt", fd, IPPROTO_TCP, TCP_NODELAY, VALUE, 4)).isZero();
      assertThat(guest.memory().readInt(VALUE)).isEqualTo(1);

      guest.memory().writeI32(VALUE, 1 << 16);
      assertThat(guest.call("sock_setsockopt", fd, SOL_SOCKET, SO_RCVBUF, VALUE, 4)).isZero();
      assertThat(guest.call("sock_getsockopt", fd, SOL_SOCKET, SO_RCVBUF, VALUE, 4)).isZero();
      assertThat(guest.memory().readInt(VALUE)).isPositive();

      guest.memory().writeI32(VALUE, 1); // struct linger { l_onoff = 1, l_linger = 5 }
      guest.memory().writeI32(VALUE + 4, 5);
      assertThat(guest.call("sock_setsockopt", fd, SOL_SOCKET, SO_LINGER, VALUE, 8)).isZero();
      guest.memory().writeLong(VALUE, 0);
      assertThat(guest.call("sock_getsockopt", fd, SOL_SOCKET, SO_LINGER, VALUE, 8)).isZero();
      assertThat(guest.memory().readInt(VALUE)).isEqualTo(1);
      assertThat(guest.memory().readInt(VALUE + 4)).isEqualTo(5);

      assertThat(guest.call("sock_getsockopt", fd, SOL_SOCKET, SO_DONTROUTE, VALUE, 4))
          .isEqualTo(ENOPROTOOPT);
      assertThat(guest.call("sock_getsockopt", fd, 99, 0, VALUE, 4)).isEqualTo(ENOPROTOOPT);
      assertThat(guest.call("sock_getsockopt", fd, SOL_SOCKET, SO_TYPE, VALUE, 2))
          .as("too small for an int")
          .isEqualTo(EINVAL);
      assertThat(guest.call("sock_getsockopt", fd, SOL_SOCKET, SO_TYPE, PAGE - 2, 4))
          .isEqualTo(EFAULT);
      assertThat(guest.call("sock_getsockopt", 1, SOL_SOCKET, SO_TYPE, VALUE, 4))
          .isEqualTo(ENOTSOCK);
    }
  }

  @Test
  void aReceiveTimeoutEndsABlockingReceiveWithEagain() throws IOException {
    try (RawAbiGuest guest = guestAllowedToBind(RawAbiGuest.MODULE)) {
      int fd = guest.openSocket();
      try (Socket peer = guest.connectToPeer(fd)) {
        guest.memory().writeLong(VALUE, 0); // seconds
        guest.memory().writeLong(VALUE + 8, 20_000); // microseconds
        assertThat(guest.call("sock_setsockopt", fd, SOL_SOCKET, SO_RCVTIMEO, VALUE, 16)).isZero();
        guest.iovec(IOVEC, DATA, 16);

        assertThat(guest.call("sock_recv", fd, IOVEC, 1, 0, COUNT_OUT, FLAGS_OUT))
            .isEqualTo(EAGAIN);

        guest.memory().writeLong(VALUE, -1);
        assertThat(guest.call("sock_getsockopt", fd, SOL_SOCKET, SO_RCVTIMEO, VALUE, 16)).isZero();
        assertThat(guest.memory().readLong(VALUE + 8)).isEqualTo(20_000);
      }
    }
  }

  @Test
  void aRefusedNonBlockingConnectIsReportedThroughPollAndSoError() throws IOException {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = probe.getLocalPort();
    }
    NetworkPolicy.Builder grants =
        NetworkPolicy.builder().allow(NetworkUse.TCP_CONNECT, "127.0.0.1:" + closedPort);
    try (RawAbiGuest guest = new RawAbiGuest(false, RawAbiGuest.MODULE, grants)) {
      int fd = guest.openSocket();
      assertThat(guest.call("fd_fdstat_set_flags", fd, 4)).isZero();
      loopbackDescriptor(guest, 4);
      int connect = guest.call("sock_connect", fd, ADDRESS_DESCRIPTOR, closedPort);
      if (connect == EINPROGRESS) {
        int subscription = 1024;
        guest.memory().writeLong(subscription, 77);
        guest.memory().writeByte(subscription + 8, (byte) FD_WRITE);
        guest.memory().writeI32(subscription + 16, fd);
        assertThat(guest.call("poll_oneoff", subscription, 2048, 1, 4000)).isZero();
        assertThat(guest.memory().readLong(2048)).isEqualTo(77);

        assertThat(guest.call("sock_getsockopt", fd, SOL_SOCKET, SO_ERROR, VALUE, 4)).isZero();
        assertThat(guest.memory().readInt(VALUE)).isEqualTo(ECONNREFUSED);
        assertThat(guest.call("sock_getsockopt", fd, SOL_SOCKET, SO_ERROR, VALUE, 4)).isZero();
        assertThat(guest.memory().readInt(VALUE)).as("reading SO_ERROR clears it").isZero();
      } else {
        assertThat(connect).as("refused at once").isEqualTo(ECONNREFUSED);
      }
    }
  }

  private static RawAbiGuest guestAllowedToBind(WasmModule module) throws IOException {
    return new RawAbiGuest(
        false, module, NetworkPolicy.builder().allow(NetworkUse.BIND, "127.0.0.1"));
  }

  /** 127.0.0.1 as a {@code length}-byte address (4, or 128 tagged) behind ADDRESS_DESCRIPTOR. */
  private static void loopbackDescriptor(RawAbiGuest guest, int length) {
    guest.memory().write(ADDRESS_BYTES, new byte[] {127, 0, 0, 1});
    guest.addressDescriptor(ADDRESS_BYTES, length);
  }
}
