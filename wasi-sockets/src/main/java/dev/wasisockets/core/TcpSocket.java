package dev.wasisockets.core;

import dev.wasisockets.policy.Decision;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.transport.Readiness;
import dev.wasisockets.transport.TcpChannel;
import dev.wasisockets.transport.Transport;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;

/**
 * A TCP stream socket and its state machine. Each operation says which states it accepts; the
 * others get the errno POSIX gives (wasmtime's {@code tcp.rs} is the model).
 *
 * <pre>
 * OPEN --connect--> CONNECTED             (blocking, or completed at once)
 * OPEN --connect--> CONNECTING --> CONNECTED   (non-blocking: EINPROGRESS first)
 * any  --failed connect--> FAILED         (the transport channel is gone)
 * </pre>
 */
public final class TcpSocket extends GuestSocket {
  private static final int FILETYPE_SOCKET_STREAM = 6;

  private enum State {
    OPEN,
    CONNECTING,
    CONNECTED,
    FAILED,
    CLOSED
  }

  private final StandardProtocolFamily family;
  private final TcpChannel channel;
  private final NetworkPolicy policy;
  private State state = State.OPEN;
  private boolean inputShut;
  private boolean outputShut;

  private TcpSocket(StandardProtocolFamily family, TcpChannel channel, NetworkPolicy policy) {
    this.family = family;
    this.channel = channel;
    this.policy = policy;
  }

  /**
   * A new unconnected socket of {@code family} on {@code transport}, governed by {@code policy}.
   */
  public static TcpSocket open(
      Transport transport, StandardProtocolFamily family, NetworkPolicy policy) {
    try {
      return new TcpSocket(family, transport.openTcp(family), policy);
    } catch (IOException e) {
      throw ErrnoException.of(e);
    }
  }

  @Override
  public int fileType() {
    return FILETYPE_SOCKET_STREAM;
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
      case OPEN -> {}
    }
    if (family == StandardProtocolFamily.INET && remote.getAddress() instanceof Inet6Address) {
      throw new ErrnoException(Errno.EAFNOSUPPORT, "IPv6 address on an IPv4 socket");
    }
    Decision decision = policy.decide(NetworkUse.TCP_CONNECT, remote);
    if (!decision.allowed()) {
      throw new ErrnoException(Errno.EACCES, "denied by policy (" + decision.rule() + ")");
    }
    try {
      if (channel.connect(remote)) {
        state = State.CONNECTED;
        return;
      }
      state = State.CONNECTING;
      if (isNonBlocking()) {
        throw new ErrnoException(Errno.EINPROGRESS);
      }
      while (!channel.finishConnect()) {
        channel.awaitReady(Readiness.CONNECT, -1);
      }
      state = State.CONNECTED;
    } catch (IOException e) {
      state = State.FAILED;
      throw ErrnoException.of(e);
    }
  }

  @Override
  public int read(ByteBuffer dst) {
    requireConnected();
    if (inputShut || !dst.hasRemaining()) {
      return 0;
    }
    try {
      while (true) {
        int n = channel.read(dst);
        if (n != 0) {
          return Math.max(n, 0); // -1: the peer closed, which the guest sees as a 0-byte read
        }
        if (isNonBlocking()) {
          throw new ErrnoException(Errno.EAGAIN);
        }
        channel.awaitReady(Readiness.READ, -1);
      }
    } catch (IOException e) {
      throw ErrnoException.of(e);
    }
  }

  @Override
  public long write(ByteBuffer[] srcs) {
    requireConnected();
    if (outputShut) {
      throw new ErrnoException(Errno.EPIPE, "the socket was shut down for writing");
    }
    long wanted = 0;
    for (ByteBuffer src : srcs) {
      wanted += src.remaining();
    }
    long written = 0;
    try {
      while (true) {
        written += channel.write(srcs);
        if (written == wanted) {
          return written;
        }
        if (isNonBlocking()) {
          if (written > 0) {
            return written;
          }
          throw new ErrnoException(Errno.EAGAIN);
        }
        channel.awaitReady(Readiness.WRITE, -1);
      }
    } catch (IOException e) {
      throw ErrnoException.of(e);
    }
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
      throw ErrnoException.of(e);
    }
  }

  @Override
  public void close() {
    state = State.CLOSED;
    try {
      channel.close();
    } catch (IOException e) {
      // Closing releases the descriptor whatever the OS says, as POSIX close() does.
    }
  }

  private void requireConnected() {
    if (state == State.CONNECTING) {
      completePendingConnect();
    }
    if (state != State.CONNECTED) {
      throw new ErrnoException(Errno.ENOTCONN);
    }
  }

  /** Moves a pending non-blocking connect on, without waiting. */
  private void completePendingConnect() {
    try {
      if (channel.finishConnect()) {
        state = State.CONNECTED;
      }
    } catch (IOException e) {
      state = State.FAILED;
      throw ErrnoException.of(e);
    }
  }
}
