package dev.wasisockets.abi;

import com.dylibso.chicory.annotations.HostModule;
import com.dylibso.chicory.annotations.WasmExport;
import com.dylibso.chicory.runtime.Memory;
import dev.wasisockets.core.Errno;
import dev.wasisockets.core.ErrnoException;
import dev.wasisockets.core.SocketContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;

/**
 * The 2020 experimental dialect (abi.md §6): {@code sock_connect(ipv4, port, *fd)} opens a TCP
 * connection in one call and returns its descriptor; the bytes then go through preview 1's {@code
 * sock_send} and {@code sock_recv}. The address is the IPv4 address as a number, first octet most
 * significant (127.0.0.1 is 0x7F000001).
 */
@HostModule("wasi_snapshot_preview1")
public final class Legacy2020Sockets {
  private final SocketContext context;

  Legacy2020Sockets(SocketContext context) {
    this.context = context;
  }

  /** {@code sock_connect(ipv4, port, *fd) -> errno}: blocking, and only if the policy allows. */
  @WasmExport
  public int sockConnect(Memory memory, int ipv4, int port, int fdPtr) {
    GuestMemory guest = new GuestMemory(memory);
    guest.check(fdPtr, 4);
    if (port < 0 || port > 65535) {
      throw new ErrnoException(Errno.EINVAL, "port " + port);
    }
    InetSocketAddress remote = new InetSocketAddress(address(ipv4), port);
    int fd = context.openTcp(StandardProtocolFamily.INET);
    try {
      context.tcp(fd).connect(remote);
    } catch (ErrnoException e) {
      context.closeSocket(fd);
      throw e;
    }
    guest.writeI32(fdPtr, fd);
    return Errno.SUCCESS.code();
  }

  /** The 2020 dialect's address: an IPv4 address as an i32, most significant byte first. */
  static InetAddress address(int ipv4) {
    byte[] bytes = {(byte) (ipv4 >>> 24), (byte) (ipv4 >>> 16), (byte) (ipv4 >>> 8), (byte) ipv4};
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new AssertionError("4 bytes are always an address", e);
    }
  }
}
