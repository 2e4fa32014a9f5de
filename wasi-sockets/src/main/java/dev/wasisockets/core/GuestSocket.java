package dev.wasisockets.core;

import dev.wasisockets.address.IpLiteral;
import dev.wasisockets.core.events.SocketEvent;
import dev.wasisockets.transport.AddressInUseException;
import dev.wasisockets.transport.TransportChannel;
import java.io.IOException;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;

/**
 * A socket in the guest's descriptor table. Stream I/O ({@code fd_read}, {@code fd_write}, {@code
 * sock_recv}, {@code sock_send}), options and addresses reach every kind of socket through the
 * methods here.
 */
public abstract non-sealed class GuestSocket implements Descriptor {
  /** {@code sock_shutdown} / {@code sdflags} bit: no more receiving. */
  public static final int SHUT_RD = 1;

  /** {@code sock_shutdown} / {@code sdflags} bit: no more sending. */
  public static final int SHUT_WR = 2;

  /** {@link #pollInterest} answer: the condition holds already; report it without waiting. */
  public static final int READY_NOW = 0;

  /** {@link #pollInterest} answer: the condition can never hold; never report it. */
  public static final int NEVER = -1;

  /** WASI filetypes of sockets, which {@code fd_fdstat_get} reports. */
  static final int FILETYPE_SOCKET_DGRAM = 5;

  static final int FILETYPE_SOCKET_STREAM = 6;

  /** WasmEdge's sock type numbers, which SO_TYPE reports. */
  static final int SOCK_DGRAM = 1;

  static final int SOCK_STREAM = 2;

  private boolean nonBlocking;
  private long receiveTimeoutNanos;
  private long sendTimeoutNanos;
  private int descriptor = -1; // the guest's number for it, for events

  /**
   * Whether calls that cannot complete at once return EAGAIN (or EINPROGRESS) instead of waiting.
   */
  public boolean isNonBlocking() {
    return nonBlocking;
  }

  public void setNonBlocking(boolean nonBlocking) {
    this.nonBlocking = nonBlocking;
  }

  /** How long a blocking receive waits before EAGAIN (SO_RCVTIMEO); negative: no limit. */
  long receiveWait() {
    return receiveTimeoutNanos == 0 ? -1 : receiveTimeoutNanos;
  }

  /** How long a blocking send waits before EAGAIN (SO_SNDTIMEO); negative: no limit. */
  long sendWait() {
    return sendTimeoutNanos == 0 ? -1 : sendTimeoutNanos;
  }

  /**
   * Whether a call that waits {@code wait} (negative: no limit) blocks until it can go on, however
   * long that takes: then the transport's channel may do the waiting ({@code
   * TcpChannel.readWaiting} and the like), as nothing but the channel decides when the call ends.
   */
  boolean blocksWithoutTimeLimit(long wait) {
    return !nonBlocking && wait < 0;
  }

  /** The guest's descriptor number for this socket; -1 while it is in no table. */
  public int descriptor() {
    return descriptor;
  }

  /** The descriptor table put this socket at {@code fd}. */
  void numbered(int fd) {
    descriptor = fd;
  }

  /**
   * The peer as events report it: the connected address, or null. Unlike {@link #remoteAddress} it
   * fails for nothing and changes nothing (no pending connect is moved on, no idle connection
   * closed), so it can be asked at any point, a closed socket included.
   */
  abstract InetSocketAddress knownPeer();

  /**
   * Fills in what every socket event says about its socket: the descriptor, the protocol and both
   * ends. Only called for an event that is being committed; an address the socket cannot tell
   * (closed, unbound) is left out rather than failing the guest's call.
   */
  final void describeTo(SocketEvent event) {
    event.fd = descriptor;
    event.protocol = fileType() == FILETYPE_SOCKET_STREAM ? "tcp" : "udp";
    try {
      InetSocketAddress local = channel().localAddress();
      if (local != null) {
        event.localAddress = IpLiteral.format(local.getAddress());
        event.localPort = local.getPort();
      }
    } catch (IOException | RuntimeException e) {
      // closed: no local address any more
    }
    InetSocketAddress peer = knownPeer();
    if (peer != null) {
      describeRemote(event, peer);
    }
  }

  /** Sets the event's remote end to {@code remote} (a datagram's destination or sender). */
  static void describeRemote(SocketEvent event, InetSocketAddress remote) {
    event.remoteAddress = IpLiteral.format(remote.getAddress());
    event.remotePort = remote.getPort();
  }

  /** The WASI filetype {@code fd_fdstat_get} reports: socket_stream (6) or socket_dgram (5). */
  public abstract int fileType();

  /**
   * Reads into {@code dst}: the count read, 0 at end of stream. Waits for data unless non-blocking,
   * when it throws EAGAIN instead.
   */
  public abstract int read(ByteBuffer dst);

  /**
   * Writes {@code srcs} in order and returns the count written. Blocking: all of it. Non-blocking:
   * what fits now, or EAGAIN when nothing does.
   */
  public abstract long write(ByteBuffer[] srcs);

  /** Shuts down reading ({@link #SHUT_RD}), writing ({@link #SHUT_WR}) or both. */
  public abstract void shutdown(int how);

  /** The local address; for an unbound socket, the unspecified address and port 0. */
  public abstract InetSocketAddress localAddress();

  /** The peer's address; ENOTCONN when there is none. */
  public abstract InetSocketAddress remoteAddress();

  /**
   * What {@code poll_oneoff} waits for on this socket for a read ({@code write == false}) or write
   * subscription: {@link dev.wasisockets.transport.Readiness} bits of {@link #channel()}, or {@link
   * #READY_NOW}, or {@link #NEVER}.
   */
  public abstract int pollInterest(boolean write);

  /** The transport channel that {@link #pollInterest} bits refer to. */
  public abstract TransportChannel channel();

  /** Releases the socket; the descriptor table has already forgotten it. */
  public abstract void close();

  /**
   * Reads an option (values as {@link SocketOptionKind} says); ENOPROTOOPT if it does not apply.
   */
  public long getOption(SocketOptionKind kind) {
    return switch (kind) {
      case TYPE -> fileType() == FILETYPE_SOCKET_STREAM ? SOCK_STREAM : SOCK_DGRAM;
      case ACCEPTCONN -> 0;
      case ERROR -> takeError();
      case RCVTIMEO -> receiveTimeoutNanos;
      case SNDTIMEO -> sendTimeoutNanos;
      case LINGER -> channelOption(StandardSocketOptions.SO_LINGER);
      case REUSEADDR -> flag(channelOption(StandardSocketOptions.SO_REUSEADDR));
      case KEEPALIVE -> flag(channelOption(StandardSocketOptions.SO_KEEPALIVE));
      case BROADCAST -> flag(channelOption(StandardSocketOptions.SO_BROADCAST));
      case TCP_NODELAY -> flag(channelOption(StandardSocketOptions.TCP_NODELAY));
      case SNDBUF -> channelOption(StandardSocketOptions.SO_SNDBUF);
      case RCVBUF -> channelOption(StandardSocketOptions.SO_RCVBUF);
    };
  }

  /** Sets an option (values as {@link SocketOptionKind} says); ENOPROTOOPT if it does not apply. */
  public void setOption(SocketOptionKind kind, long value) {
    switch (kind) {
      case TYPE, ACCEPTCONN, ERROR ->
          throw new ErrnoException(Errno.ENOPROTOOPT, kind + " can only be read");
      case RCVTIMEO -> receiveTimeoutNanos = Math.max(0, value);
      case SNDTIMEO -> sendTimeoutNanos = Math.max(0, value);
      case LINGER -> setChannelOption(StandardSocketOptions.SO_LINGER, (int) value);
      case REUSEADDR -> setChannelOption(StandardSocketOptions.SO_REUSEADDR, value != 0);
      case KEEPALIVE -> setChannelOption(StandardSocketOptions.SO_KEEPALIVE, value != 0);
      case BROADCAST -> setChannelOption(StandardSocketOptions.SO_BROADCAST, value != 0);
      case TCP_NODELAY -> setChannelOption(StandardSocketOptions.TCP_NODELAY, value != 0);
      case SNDBUF -> setChannelOption(StandardSocketOptions.SO_SNDBUF, (int) value);
      case RCVBUF -> setChannelOption(StandardSocketOptions.SO_RCVBUF, (int) value);
    }
  }

  /** The pending error for SO_ERROR, cleared by reading it; 0 when there is none. */
  long takeError() {
    return 0;
  }

  <T> void setChannelOption(SocketOption<T> option, T value) {
    try {
      channel().setOption(option, value);
    } catch (UnsupportedOperationException e) {
      throw new ErrnoException(Errno.ENOPROTOOPT, option.name() + " on this socket");
    } catch (IllegalArgumentException e) {
      throw new ErrnoException(Errno.EINVAL, option.name() + ": " + e.getMessage());
    } catch (IOException e) {
      throw ErrnoException.of(e, SocketCall.OPTION);
    }
  }

  private long channelOption(SocketOption<?> option) {
    try {
      Object value = channel().getOption(option);
      return value instanceof Boolean b ? (b ? 1 : 0) : ((Number) value).longValue();
    } catch (UnsupportedOperationException e) {
      throw new ErrnoException(Errno.ENOPROTOOPT, option.name() + " on this socket");
    } catch (IOException e) {
      throw ErrnoException.of(e, SocketCall.OPTION);
    }
  }

  /** The local address of {@code channel}, or the unspecified address and port 0 while unbound. */
  static InetSocketAddress localAddressOf(TransportChannel channel, StandardProtocolFamily family) {
    try {
      InetSocketAddress local = channel.localAddress();
      return local != null ? local : new InetSocketAddress(wildcard(family), 0);
    } catch (IOException e) {
      throw ErrnoException.of(e, SocketCall.ADDRESS);
    }
  }

  /**
   * A bind (or a listen on {@code local}) that failed. The JDK reports an address in use and one
   * that is not this host's alike (a BindException), so the address tells them apart; a port the OS
   * keeps for privileged programs (EACCES on Linux) reads as in use.
   */
  static ErrnoException bindFailure(IOException e, InetSocketAddress local, SocketCall call) {
    if (e instanceof BindException) {
      boolean inUse = e instanceof AddressInUseException || isThisHosts(local.getAddress());
      Errno errno = inUse ? Errno.EADDRINUSE : Errno.EADDRNOTAVAIL;
      return new ErrnoException(errno, e.getMessage());
    }
    return ErrnoException.of(e, call);
  }

  /** Whether {@code address} is the wildcard, a loopback address or one of this host's own. */
  static boolean isThisHosts(InetAddress address) {
    if (address.isAnyLocalAddress() || address.isLoopbackAddress()) {
      return true;
    }
    try {
      return NetworkInterface.getByInetAddress(address) != null;
    } catch (SocketException e) {
      return true; // cannot tell: the more common answer
    }
  }

  /** The unspecified address of {@code family}: 0.0.0.0 or ::. */
  static InetAddress wildcard(StandardProtocolFamily family) {
    try {
      return InetAddress.getByName(family == StandardProtocolFamily.INET ? "0.0.0.0" : "::");
    } catch (IOException e) {
      throw new AssertionError("a literal always parses", e);
    }
  }

  /** EAFNOSUPPORT for an IPv6 address on an IPv4 socket (an IPv6 socket takes both). */
  static void requireFamily(StandardProtocolFamily family, InetAddress address) {
    if (family == StandardProtocolFamily.INET && address instanceof Inet6Address) {
      throw new ErrnoException(Errno.EAFNOSUPPORT, "IPv6 address on an IPv4 socket");
    }
  }

  private static long flag(long value) {
    return value != 0 ? 1 : 0;
  }
}
