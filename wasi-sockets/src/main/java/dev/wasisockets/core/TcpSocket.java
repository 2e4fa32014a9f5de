package dev.wasisockets.core;

import dev.wasisockets.core.events.SocketCloseEvent;
import dev.wasisockets.core.events.SocketConnectEvent;
import dev.wasisockets.core.events.SocketSendEvent;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.transport.Readiness;
import dev.wasisockets.transport.TcpChannel;
import dev.wasisockets.transport.TcpListenerChannel;
import dev.wasisockets.transport.TransportChannel;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;

/**
 * A TCP stream socket and its state machine. Each operation says which states it accepts; the
 * others get the errno POSIX gives (wasmtime's {@code tcp.rs} is the model).
 *
 * <pre>
 * OPEN --bind--> BOUND                                (the port is the socket's until it closes)
 * OPEN | BOUND --listen--> (a TcpListener takes over)   (a failed listen leaves it as it was)
 * OPEN | BOUND --connect--> CONNECTED                  (blocking, or completed at once)
 * OPEN | BOUND --connect--> CONNECTING --> CONNECTED   (non-blocking: EINPROGRESS first)
 * CONNECTING --failed--> FAILED                        (the error is kept for SO_ERROR)
 * </pre>
 */
public final class TcpSocket extends GuestSocket {
  private static final long OS_GIVES_UP_NANOS = 3_000_000_000L;

  private enum State {
    OPEN,
    BOUND,
    CONNECTING,
    CONNECTED,
    FAILED,
    CLOSED
  }

  private final NetworkAccess network;
  private final StandardProtocolFamily family;
  private final TcpChannel channel;
  private final Meter meter;
  private State state;
  private boolean inputShut;
  private boolean outputShut;
  private boolean bound; // by the guest's bind
  private boolean connectionLost; // a read or write failed: the connection is over
  private Errno pendingError; // a non-blocking connect's failure, for SO_ERROR
  private long connectStarted; // on the network's clock
  private long lastActivity; // on the network's clock: for the idle timeout
  private long bytesSent; // in the socket's life, for its close event
  private long bytesReceived;
  // A non-blocking connect's event while a recording wants it: committed when the connect ends.
  private SocketConnectEvent pendingConnect;
  private InetSocketAddress connectingTo;

  private TcpSocket(
      NetworkAccess network, StandardProtocolFamily family, TcpChannel channel, State state) {
    this.network = network;
    this.family = family;
    this.channel = channel;
    this.state = state;
    this.meter = network.meter();
    this.lastActivity = network.now();
  }

  /** A new unconnected socket of {@code family} (INET or INET6); ENFILE over the limit. */
  public static TcpSocket open(NetworkAccess network, StandardProtocolFamily family) {
    network.admitSocket();
    try {
      return new TcpSocket(network, family, network.transport().openTcp(family), State.OPEN);
    } catch (IOException e) {
      network.releaseSocket();
      throw ErrnoException.of(e, SocketCall.OPEN);
    }
  }

  /** A connection a listener accepted: counted against the limit from now on. */
  static TcpSocket accepted(
      NetworkAccess network, StandardProtocolFamily family, TcpChannel channel) {
    try {
      network.admitSocket();
    } catch (ErrnoException e) {
      closeQuietly(channel);
      throw e;
    }
    return new TcpSocket(network, family, channel, State.CONNECTED);
  }

  @Override
  public int fileType() {
    return FILETYPE_SOCKET_STREAM;
  }

  /** Binds the local address, if the policy allows binding it (EACCES otherwise). */
  public void bind(InetSocketAddress local) {
    if (state != State.OPEN) {
      throw new ErrnoException(Errno.EINVAL, "the socket is already bound or connected");
    }
    requireFamily(family, local.getAddress());
    network.check(NetworkUse.BIND, local, descriptor());
    try {
      channel.bind(local);
      state = State.BOUND;
      bound = true;
    } catch (IOException e) {
      throw bindFailure(e, local, SocketCall.BIND);
    }
  }

  /**
   * Turns the socket into a listener on its bound address (or, unbound, on the wildcard address and
   * a free port, as Linux does). The listener takes over the socket's port without it ever being
   * free, and this socket is done; the caller puts the listener in its place in the descriptor
   * table. If listening fails, the socket stays as it was: still bound (or not), free to listen
   * again or to connect.
   */
  public TcpListener listen(int backlog) {
    InetSocketAddress local;
    switch (state) {
      case BOUND -> local = localAddress();
      case OPEN -> {
        local = new InetSocketAddress(wildcard(family), 0);
        network.check(NetworkUse.BIND, local, descriptor());
      }
      default -> throw new ErrnoException(Errno.EINVAL, "the socket is connected or closed");
    }
    network.admitListener();
    TcpListenerChannel listening;
    try {
      listening = channel.listen(local, network.backlog(backlog));
    } catch (IOException e) {
      network.releaseListener();
      throw bindFailure(e, local, SocketCall.LISTEN);
    }
    state = State.CLOSED; // the listener holds the port, and this socket's place in the limit
    TcpListener listener = new TcpListener(network, family, listening);
    listener.setNonBlocking(isNonBlocking());
    return listener;
  }

  /**
   * Connects to {@code remote} if the policy allows it (EACCES otherwise). An IPv6 socket may
   * connect to an IPv4 address (dual stack); an IPv4 socket cannot reach an IPv6 one.
   */
  public void connect(InetSocketAddress remote) {
    switch (state) {
      case CONNECTED -> throw new ErrnoException(Errno.EISCONN);
      case CONNECTING -> {
        completePendingConnect();
        throw new ErrnoException(state == State.CONNECTED ? Errno.EISCONN : Errno.EALREADY);
      }
      case FAILED, CLOSED -> throw new ErrnoException(Errno.EBADF, "socket failed earlier");
      case OPEN, BOUND -> {}
    }
    SocketConnectEvent event = new SocketConnectEvent();
    event.begin();
    try {
      connectFromOpen(remote);
      endConnect(event, remote, null);
    } catch (ErrnoException e) {
      if (e.errno() == Errno.EINPROGRESS) {
        awaitConnectEnd(event, remote);
      } else {
        endConnect(event, remote, e.errno());
      }
      throw e;
    }
  }

  /** A connect from OPEN or BOUND: the policy's check, then the transport's connect. */
  private void connectFromOpen(InetSocketAddress remote) {
    requireFamily(family, remote.getAddress());
    network.check(NetworkUse.TCP_CONNECT, remote, descriptor());
    connectStarted = network.now();
    try {
      if (channel.connect(remote)) {
        becomeConnected();
        return;
      }
      state = State.CONNECTING;
      if (isNonBlocking()) {
        throw new ErrnoException(Errno.EINPROGRESS);
      }
      long wait = network.connectWait();
      while (!channel.finishConnect()) {
        if (!network.awaitReady(channel, Readiness.CONNECT, wait)) {
          state = State.FAILED;
          channel.close();
          throw new ErrnoException(Errno.ETIMEDOUT, "no connection within the connect timeout");
        }
      }
      becomeConnected();
    } catch (IOException e) {
      state = State.FAILED;
      throw connectFailure(e);
    }
  }

  /**
   * A non-blocking connect goes on after the call: while a recording wants its event, a new one
   * (begun now, a few microseconds after the call began) waits in the socket for the end. The
   * call's own event cannot: kept in a field, it would escape, and the JIT could no longer drop it
   * when no recording runs.
   */
  private void awaitConnectEnd(SocketConnectEvent event, InetSocketAddress remote) {
    if (event.isEnabled()) {
      pendingConnect = new SocketConnectEvent();
      pendingConnect.begin();
      connectingTo = remote;
    }
  }

  /** Commits {@code event} for a connect to {@code remote} that ended with {@code errno}. */
  private void endConnect(SocketConnectEvent event, InetSocketAddress remote, Errno errno) {
    if (event.shouldCommit()) {
      describeTo(event);
      describeRemote(event, remote);
      event.errno = errno == null ? null : errno.name();
      event.commit();
    }
  }

  /** The pending non-blocking connect ended (errno null: connected). */
  private void endPendingConnect(Errno errno) {
    if (pendingConnect != null) {
      endConnect(pendingConnect, connectingTo, errno);
      pendingConnect = null;
      connectingTo = null;
    }
  }

  private ErrnoException connectFailure(IOException e) {
    return connectFailure(e, network.now() - connectStarted, bound);
  }

  /**
   * The errno of a connect that failed after {@code waitedNanos}. The JDK reports a refusal and the
   * OS giving up alike (a ConnectException): Linux gives up on an unanswered connect only after
   * retransmitting its SYN, at the least 3 s later ({@code tcp_syn_retries} = 1; by default about 2
   * minutes), while a refusal comes back within a round trip. The wait is measured until the
   * failure is noticed: a guest that leaves a refused non-blocking connect unasked for 3 s would
   * read ETIMEDOUT in SO_ERROR (guests ask as soon as poll reports the socket). A BindException is
   * no free local port (EADDRNOTAVAIL) or, from a port the guest bound, one already connected to
   * this peer (EADDRINUSE).
   */
  static ErrnoException connectFailure(IOException e, long waitedNanos, boolean bound) {
    if (e instanceof ConnectException && waitedNanos >= OS_GIVES_UP_NANOS) {
      return new ErrnoException(Errno.ETIMEDOUT, e.getMessage());
    }
    if (e instanceof BindException) {
      return new ErrnoException(bound ? Errno.EADDRINUSE : Errno.EADDRNOTAVAIL, e.getMessage());
    }
    return ErrnoException.of(e, SocketCall.CONNECT);
  }

  @Override
  public int read(ByteBuffer dst) {
    requireConnected();
    if (inputShut || connectionLost || !dst.hasRemaining()) {
      return 0;
    }
    try {
      while (true) {
        int allowed =
            (int) network.receiveAllowance(meter, descriptor(), dst.remaining(), !isNonBlocking());
        if (allowed == 0) {
          throw new ErrnoException(Errno.EAGAIN, "throttled");
        }
        int limit = dst.limit();
        dst.limit(dst.position() + allowed);
        int n;
        try {
          n = mayWaitInChannel(receiveWait()) ? channel.readWaiting(dst) : channel.read(dst);
        } finally {
          dst.limit(limit);
        }
        if (n != 0) {
          if (n > 0) {
            network.received(meter, n);
            bytesReceived += n;
            lastActivity = network.now();
          }
          return Math.max(n, 0); // -1: the peer closed, which the guest sees as a 0-byte read
        }
        if (isNonBlocking() || !awaitWithinIdleTimeout(Readiness.READ, receiveWait())) {
          throw new ErrnoException(Errno.EAGAIN);
        }
      }
    } catch (IOException e) {
      throw lose(e, SocketCall.STREAM_RECEIVE);
    }
  }

  /**
   * Writes {@code srcs}: see {@link GuestSocket#write}. Its event spans the call, waits for room
   * and for bandwidth included.
   */
  @Override
  public long write(ByteBuffer[] srcs) {
    SocketSendEvent event = new SocketSendEvent();
    event.begin();
    long written = 0;
    Errno failure = null;
    try {
      written = send(srcs);
      return written;
    } catch (ErrnoException e) {
      failure = e.errno();
      throw e;
    } finally {
      if (event.shouldCommit()) {
        describeTo(event);
        event.bytesSent = written;
        event.bytesAsked = written + remaining(srcs); // the buffers moved on by what was written
        event.errno = failure == null ? null : failure.name();
        event.commit();
      }
    }
  }

  private static long remaining(ByteBuffer[] srcs) {
    long remaining = 0;
    for (ByteBuffer src : srcs) {
      remaining += src.remaining();
    }
    return remaining;
  }

  private long send(ByteBuffer[] srcs) {
    requireConnected();
    if (outputShut) {
      throw new ErrnoException(Errno.EPIPE, "the socket was shut down for writing");
    }
    if (connectionLost) {
      throw new ErrnoException(Errno.EPIPE, "the connection failed earlier");
    }
    long wanted = remaining(srcs);
    long written = 0;
    try {
      while (true) {
        long allowed =
            network.sendAllowance(meter, descriptor(), wanted - written, !isNonBlocking(), false);
        if (allowed > 0) {
          long n = writeAtMost(srcs, allowed, wanted - written);
          network.sent(meter, n);
          bytesSent += n;
          if (n > 0) {
            lastActivity = network.now();
          }
          written += n;
          if (written == wanted) {
            return written;
          }
          if (n == allowed) {
            continue; // the bandwidth limit cut this write short, not the socket
          }
        }
        if (isNonBlocking() || !awaitWithinIdleTimeout(Readiness.WRITE, sendWait())) {
          if (written > 0) {
            return written;
          }
          throw new ErrnoException(Errno.EAGAIN);
        }
      }
    } catch (IOException e) {
      throw lose(e, SocketCall.STREAM_SEND);
    }
  }

  /**
   * Writes at most {@code allowed} of the {@code remaining} bytes of {@code srcs}, hiding the rest
   * from the channel.
   */
  private long writeAtMost(ByteBuffer[] srcs, long allowed, long remaining) throws IOException {
    if (remaining <= allowed) {
      return writeToChannel(srcs);
    }
    int[] limits = new int[srcs.length];
    long left = allowed;
    for (int i = 0; i < srcs.length; i++) {
      limits[i] = srcs[i].limit();
      int take = (int) Math.min(srcs[i].remaining(), left);
      srcs[i].limit(srcs[i].position() + take);
      left -= take;
    }
    try {
      return writeToChannel(srcs);
    } finally {
      for (int i = 0; i < srcs.length; i++) {
        srcs[i].limit(limits[i]);
      }
    }
  }

  /**
   * A blocking call with no time limit, and no idle limit either (see {@link
   * #awaitWithinIdleTimeout}).
   */
  private boolean mayWaitInChannel(long wait) {
    return blocksWithoutTimeLimit(wait) && network.idleNanos() == 0;
  }

  private long writeToChannel(ByteBuffer[] srcs) throws IOException {
    return mayWaitInChannel(sendWait()) ? channel.writeWaiting(srcs) : channel.write(srcs);
  }

  @Override
  public void shutdown(int how) {
    requireConnected();
    try {
      if ((how & SHUT_RD) != 0 && !inputShut) {
        channel.shutdownInput();
        inputShut = true;
      }
      if ((how & SHUT_WR) != 0 && !outputShut) {
        channel.shutdownOutput();
        outputShut = true;
      }
    } catch (IOException e) {
      throw ErrnoException.of(e, SocketCall.SHUTDOWN);
    }
  }

  @Override
  public int pollInterest(boolean write) {
    return switch (state) {
      case CONNECTING -> Readiness.CONNECT; // readable or writable once the connect ends
      case CONNECTED -> {
        if (connectionLost) {
          yield READY_NOW; // as Linux's poll reports a reset connection: readable and writable
        }
        if (write) {
          yield outputShut ? READY_NOW : Readiness.WRITE;
        }
        yield inputShut ? READY_NOW : Readiness.READ;
      }
      // POSIX poll reports an unconnected or failed stream socket at once (POLLHUP/POLLERR).
      default -> READY_NOW;
    };
  }

  @Override
  public TransportChannel channel() {
    return channel;
  }

  @Override
  public InetSocketAddress localAddress() {
    return localAddressOf(channel, family);
  }

  @Override
  InetSocketAddress knownPeer() {
    try {
      return channel.remoteAddress();
    } catch (IOException | RuntimeException e) {
      return null; // closed: the peer is no longer known
    }
  }

  @Override
  public InetSocketAddress remoteAddress() {
    requireConnected();
    try {
      return channel.remoteAddress();
    } catch (IOException e) {
      throw ErrnoException.of(e, SocketCall.ADDRESS);
    }
  }

  /**
   * SO_ERROR: a failed non-blocking connect's errno, once; 0 while it is still pending, as Linux
   * reports (guests wait for writability first, then ask).
   */
  @Override
  long takeError() {
    if (state == State.CONNECTING) {
      try {
        completePendingConnect();
      } catch (ErrnoException e) {
        // recorded in pendingError
      }
    }
    Errno error = pendingError;
    pendingError = null;
    return error == null ? 0 : error.code();
  }

  @Override
  public void close() {
    SocketCloseEvent event = new SocketCloseEvent();
    event.begin();
    if (event.isEnabled()) {
      describeTo(event); // while the channel still knows its addresses
    }
    endPendingConnect(Errno.ECANCELED); // closed before it ended
    if (state != State.CLOSED) {
      network.releaseSocket();
    }
    state = State.CLOSED;
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

  private void requireConnected() {
    if (state == State.CONNECTING) {
      completePendingConnect();
    }
    if (state != State.CONNECTED) {
      throw new ErrnoException(Errno.ENOTCONN);
    }
    long idle = network.idleNanos();
    if (idle > 0 && network.now() - lastActivity >= idle) {
      closeForIdleness();
    }
  }

  /**
   * Waits for {@code interest} up to {@code wait} (negative: no limit), but no longer than the
   * connection may stay idle: then the host closes it and the guest gets ETIMEDOUT.
   */
  private boolean awaitWithinIdleTimeout(int interest, long wait) {
    long idle = network.idleNanos();
    if (idle == 0) {
      return network.awaitReady(channel, interest, wait);
    }
    long left = Math.max(0, lastActivity + idle - network.now());
    if (network.awaitReady(channel, interest, wait < 0 ? left : Math.min(wait, left))) {
      return true;
    }
    if (network.now() - lastActivity >= idle) {
      closeForIdleness();
    }
    return false;
  }

  /**
   * The connection is made: its idle time counts from now, not from the sock_open before it (a
   * socket is not a connection, and a connect may have waited long).
   */
  private void becomeConnected() {
    state = State.CONNECTED;
    lastActivity = network.now();
  }

  private void closeForIdleness() {
    state = State.FAILED;
    try {
      channel.close();
    } catch (IOException e) {
      // closing anyway
    }
    throw new ErrnoException(
        Errno.ETIMEDOUT, "the connection was idle too long; the host closed it");
  }

  /**
   * A read or write failed, so the connection is over. Its first failure is reported: a reset, or a
   * timeout the kernel declared, as Linux reports a connection's pending error once. From then on,
   * as on Linux, reads find the end of the stream and writes get EPIPE. An interrupted wait ends
   * nothing.
   */
  private ErrnoException lose(IOException e, SocketCall call) {
    ErrnoException failure = ErrnoException.of(e, call);
    if (failure.errno() != Errno.EINTR) {
      connectionLost = true;
    }
    return failure;
  }

  private static void closeQuietly(TransportChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // Closing releases the descriptor whatever the OS says, as POSIX close() does.
    }
  }

  /** Moves a pending non-blocking connect on, without waiting. */
  private void completePendingConnect() {
    try {
      if (channel.finishConnect()) {
        becomeConnected();
        endPendingConnect(null);
      }
    } catch (IOException e) {
      state = State.FAILED;
      ErrnoException failure = connectFailure(e);
      pendingError = failure.errno();
      endPendingConnect(failure.errno());
      throw failure;
    }
  }
}
