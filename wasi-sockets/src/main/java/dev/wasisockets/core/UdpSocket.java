package dev.wasisockets.core;

import dev.wasisockets.core.events.SocketCloseEvent;
import dev.wasisockets.core.events.SocketConnectEvent;
import dev.wasisockets.core.events.SocketSendEvent;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.transport.Readiness;
import dev.wasisockets.transport.TransportChannel;
import dev.wasisockets.transport.UdpChannel;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;

/**
 * A UDP socket. Every destination passes the policy ({@link NetworkUse#UDP_SEND}): each {@code
 * send_to}, and {@code connect}, which sets the default peer for {@code send}/{@code fd_write}. A
 * socket that sends or connects before binding is bound by the OS to a free port, as on POSIX; one
 * that only receives stays unbound and receives nothing, as on Linux.
 */
public final class UdpSocket extends GuestSocket {
  // What one datagram can carry: 65,535 bytes less the UDP header, and for IPv4 its IP header too.
  private static final int MAX_IPV4_PAYLOAD = 65_507;
  private static final int MAX_IPV6_PAYLOAD = 65_527;

  private final NetworkAccess network;
  private final StandardProtocolFamily family;
  private final UdpChannel channel;
  private final Meter meter;
  private InetSocketAddress peer;
  private boolean bound;
  private boolean closed;
  private long bytesSent; // in the socket's life, for its close event
  private long bytesReceived;

  private UdpSocket(NetworkAccess network, StandardProtocolFamily family, UdpChannel channel) {
    this.network = network;
    this.family = family;
    this.channel = channel;
    this.meter = network.meter();
  }

  /** A new unbound socket of {@code family} (INET or INET6). */
  public static UdpSocket open(NetworkAccess network, StandardProtocolFamily family) {
    network.admitSocket();
    try {
      return new UdpSocket(network, family, network.transport().openUdp(family));
    } catch (IOException e) {
      network.releaseSocket();
      throw ErrnoException.of(e, SocketCall.OPEN);
    }
  }

  @Override
  public int fileType() {
    return FILETYPE_SOCKET_DGRAM;
  }

  /** Binds the local address, if the policy allows binding it (EACCES otherwise). */
  public void bind(InetSocketAddress local) {
    if (bound) {
      throw new ErrnoException(Errno.EINVAL, "the socket is already bound");
    }
    requireFamily(family, local.getAddress());
    network.check(NetworkUse.BIND, local, descriptor());
    try {
      channel.bind(local);
      bound = true;
    } catch (AlreadyBoundException e) {
      throw new ErrnoException(Errno.EINVAL, "the socket is already bound");
    } catch (IOException e) {
      throw bindFailure(e, local, SocketCall.BIND);
    }
  }

  /**
   * Sets the default peer, or replaces it, as POSIX lets a second connect do. Its event is a
   * SocketConnect of protocol udp: nothing waits, but it says which peer the guest chose.
   */
  public void connect(InetSocketAddress remote) {
    SocketConnectEvent event = new SocketConnectEvent();
    event.begin();
    Errno failure = null;
    try {
      setPeer(remote);
    } catch (ErrnoException e) {
      failure = e.errno();
      throw e;
    } finally {
      if (event.shouldCommit()) {
        describeTo(event);
        describeRemote(event, remote);
        event.errno = failure == null ? null : failure.name();
        event.commit();
      }
    }
  }

  private void setPeer(InetSocketAddress remote) {
    requireFamily(family, remote.getAddress());
    network.check(NetworkUse.UDP_SEND, remote, descriptor());
    try {
      channel.connect(remote);
      peer = remote;
      bound = true;
    } catch (IOException e) {
      throw ErrnoException.of(e, SocketCall.CONNECT);
    }
  }

  /**
   * Sends {@code srcs}, joined, as one datagram to {@code target} if the policy allows it. Returns
   * the count sent. EMSGSIZE for more than a datagram holds.
   */
  public int sendTo(ByteBuffer[] srcs, InetSocketAddress target) {
    requireFamily(family, target.getAddress());
    network.check(NetworkUse.UDP_SEND, target, descriptor());
    return send(join(srcs), target);
  }

  /**
   * Receives one datagram into {@code dst}, which should hold 64 KiB so nothing is cut: the caller
   * compares what arrived with what the guest can take. Returns the sender.
   */
  public InetSocketAddress receiveFrom(ByteBuffer dst) {
    try {
      while (true) {
        // A socket never bound has no port, so nothing can arrive: Linux binds a UDP socket on its
        // first send or connect, never on a receive, which waits (or is EAGAIN) as on any empty
        // socket. The JDK's receive would bind it to a port of its choosing behind the guest's
        // back, and the guest's own bind would then fail.
        if (bound) {
          if (network.receiveAllowance(meter, descriptor(), 1, !isNonBlocking()) == 0) {
            throw new ErrnoException(Errno.EAGAIN, "throttled");
          }
          int start = dst.position();
          InetSocketAddress source = channel.receive(dst);
          if (source != null) {
            network.received(meter, dst.position() - start);
            bytesReceived += dst.position() - start;
            return source;
          }
        }
        if (isNonBlocking() || !network.awaitReady(channel, Readiness.READ, receiveWait())) {
          throw new ErrnoException(Errno.EAGAIN);
        }
      }
    } catch (IOException e) {
      throw ErrnoException.of(e, SocketCall.DATAGRAM_RECEIVE);
    }
  }

  /** One datagram; what does not fit in {@code dst} is lost, as POSIX {@code read} does. */
  @Override
  public int read(ByteBuffer dst) {
    int start = dst.position();
    receiveFrom(dst);
    return dst.position() - start;
  }

  /** One datagram to the default peer: EDESTADDRREQ if there is none. */
  @Override
  public long write(ByteBuffer[] srcs) {
    if (peer == null) {
      throw new ErrnoException(Errno.EDESTADDRREQ, "no default peer; use send_to or connect");
    }
    return send(join(srcs), peer);
  }

  @Override
  public void shutdown(int how) {
    if (peer == null) {
      throw new ErrnoException(Errno.ENOTCONN);
    }
  }

  @Override
  public InetSocketAddress localAddress() {
    return localAddressOf(channel, family);
  }

  @Override
  InetSocketAddress knownPeer() {
    return peer;
  }

  @Override
  public InetSocketAddress remoteAddress() {
    if (peer == null) {
      throw new ErrnoException(Errno.ENOTCONN);
    }
    return peer;
  }

  @Override
  public int pollInterest(boolean write) {
    return write ? Readiness.WRITE : Readiness.READ;
  }

  @Override
  public TransportChannel channel() {
    return channel;
  }

  @Override
  public void close() {
    SocketCloseEvent event = new SocketCloseEvent();
    event.begin();
    if (event.isEnabled()) {
      describeTo(event); // while the channel still knows its address
    }
    if (!closed) {
      network.releaseSocket();
    }
    closed = true;
    try {
      channel.close();
    } catch (IOException e) {
      // Closing releases the descriptor whatever the OS says, as POSIX close() does.
    }
    if (event.shouldCommit()) {
      event.bytesSent = bytesSent;
      event.bytesReceived = bytesReceived;
      event.commit();
    }
  }

  /** Sends one datagram; its event spans the call, waits for room and bandwidth included. */
  private int send(ByteBuffer datagram, InetSocketAddress target) {
    SocketSendEvent event = new SocketSendEvent();
    event.begin();
    long asked = datagram.remaining();
    int sent = 0;
    Errno failure = null;
    try {
      sent = sendDatagram(datagram, target);
      return sent;
    } catch (ErrnoException e) {
      failure = e.errno();
      throw e;
    } finally {
      if (event.shouldCommit()) {
        describeTo(event);
        describeRemote(event, target);
        event.bytesAsked = asked;
        event.bytesSent = sent;
        event.errno = failure == null ? null : failure.name();
        event.commit();
      }
    }
  }

  private int sendDatagram(ByteBuffer datagram, InetSocketAddress target) {
    if (closed) {
      throw new ErrnoException(Errno.EBADF);
    }
    int most = target.getAddress() instanceof Inet4Address ? MAX_IPV4_PAYLOAD : MAX_IPV6_PAYLOAD;
    if (datagram.remaining() > most) {
      throw new ErrnoException(
          Errno.EMSGSIZE, datagram.remaining() + " bytes; a datagram holds at most " + most);
    }
    try {
      while (true) {
        if (network.sendAllowance(meter, descriptor(), datagram.remaining(), !isNonBlocking(), true)
            == 0) {
          throw new ErrnoException(Errno.EAGAIN, "throttled");
        }
        int sent = channel.send(datagram, target);
        if (sent > 0 || !datagram.hasRemaining()) {
          network.sent(meter, sent);
          bytesSent += sent;
          bound = true;
          return sent;
        }
        if (isNonBlocking() || !network.awaitReady(channel, Readiness.WRITE, sendWait())) {
          throw new ErrnoException(Errno.EAGAIN);
        }
      }
    } catch (AlreadyConnectedException e) {
      // POSIX lets a connected UDP socket refuse a destination other than its peer; NIO does.
      throw new ErrnoException(Errno.EISCONN, "connected to " + peer + ", not " + target);
    } catch (IOException e) {
      throw ErrnoException.of(e, SocketCall.DATAGRAM_SEND);
    }
  }

  private static ByteBuffer join(ByteBuffer[] srcs) {
    if (srcs.length == 1) {
      return srcs[0];
    }
    int total = 0;
    for (ByteBuffer src : srcs) {
      total += src.remaining();
    }
    ByteBuffer joined = ByteBuffer.allocate(total);
    for (ByteBuffer src : srcs) {
      joined.put(src);
    }
    return joined.flip();
  }
}
