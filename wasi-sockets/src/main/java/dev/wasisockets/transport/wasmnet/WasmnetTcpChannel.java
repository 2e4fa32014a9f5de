package dev.wasisockets.transport.wasmnet;

import dev.wasisockets.policy.IpLiteral;
import dev.wasisockets.transport.Readiness;
import dev.wasisockets.transport.TcpChannel;
import dev.wasisockets.wasmnet.Event;
import dev.wasisockets.wasmnet.Request;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;

/**
 * A TCP connection the wasmnet server holds: {@code connect} and {@code connected} to open it,
 * {@code send} and {@code data} for bytes, {@code close} to end the guest's side (wasmnet's close
 * is a half-close: the peer's bytes keep coming until its {@code closed}).
 */
final class WasmnetTcpChannel extends WasmnetSocket implements TcpChannel {
  /** Bytes per {@code send} frame: big enough to amortise framing, small enough to interleave. */
  private static final int FRAME_BYTES = 64 << 10;

  private enum State {
    UNCONNECTED,
    CONNECTING,
    CONNECTED,
    FAILED
  }

  private final ArrayDeque<byte[]> inbound = new ArrayDeque<>();
  private int headOffset;
  private State state;
  private InetSocketAddress remote;
  private IOException failure;
  private boolean peerClosed;
  private boolean inputShut;
  private boolean outputShut;
  private boolean closed;

  /** A new socket, or (with {@code remote}) one a listener accepted, already connected. */
  WasmnetTcpChannel(WasmnetTransport transport, long id, InetSocketAddress remote) {
    super(transport, id);
    this.remote = remote;
    this.state = remote == null ? State.UNCONNECTED : State.CONNECTED;
  }

  /**
   * wasmnet chooses the local end itself: only "any address, any port" (what every client gets
   * anyway) can be granted.
   */
  @Override
  public void bind(InetSocketAddress local) throws IOException {
    if (local.getPort() != 0 || !local.getAddress().isAnyLocalAddress()) {
      throw new SocketException(
          "Operation not supported: a wasmnet connection cannot choose its local address");
    }
  }

  @Override
  public boolean connect(InetSocketAddress remote) throws IOException {
    transport.lock.lock();
    try {
      this.remote = remote;
      state = State.CONNECTING;
      transport.register(this);
      transport.send(
          new Request.Connect(id, IpLiteral.format(remote.getAddress()), remote.getPort()));
      return false;
    } finally {
      transport.lock.unlock();
    }
  }

  @Override
  public boolean finishConnect() throws IOException {
    transport.lock.lock();
    try {
      transport.throwIfLinkFailed();
      if (state == State.FAILED) {
        throw failure;
      }
      return state == State.CONNECTED;
    } finally {
      transport.lock.unlock();
    }
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    transport.lock.lock();
    try {
      int count = 0;
      while (dst.hasRemaining() && !inbound.isEmpty()) {
        byte[] head = inbound.peek();
        int n = Math.min(dst.remaining(), head.length - headOffset);
        dst.put(head, headOffset, n);
        headOffset += n;
        count += n;
        if (headOffset == head.length) {
          inbound.poll();
          headOffset = 0;
        }
      }
      if (count > 0) {
        transport.queued(-count);
        return count;
      }
      if (inputShut || peerClosed) {
        return -1;
      }
      transport.throwIfLinkFailed();
      if (failure != null) {
        throw failure;
      }
      return 0;
    } finally {
      transport.lock.unlock();
    }
  }

  @Override
  public long write(ByteBuffer[] srcs) throws IOException {
    transport.lock.lock();
    try {
      transport.throwIfLinkFailed();
      if (failure != null) {
        throw failure;
      }
      if (outputShut) {
        throw new ClosedChannelException();
      }
      long total = 0;
      int next = 0;
      while (transport.writable()) {
        while (next < srcs.length && !srcs[next].hasRemaining()) {
          next++;
        }
        if (next == srcs.length) {
          break;
        }
        byte[] frame = new byte[(int) Math.min(FRAME_BYTES, remaining(srcs, next))];
        for (int filled = 0; filled < frame.length; ) {
          ByteBuffer src = srcs[next];
          int n = Math.min(src.remaining(), frame.length - filled);
          src.get(frame, filled, n);
          filled += n;
          if (!src.hasRemaining()) {
            next++;
          }
        }
        transport.send(new Request.Send(id, frame));
        total += frame.length;
      }
      return total;
    } finally {
      transport.lock.unlock();
    }
  }

  private static long remaining(ByteBuffer[] srcs, int from) {
    long total = 0;
    for (int i = from; i < srcs.length; i++) {
      total += srcs[i].remaining();
    }
    return total;
  }

  @Override
  public void shutdownInput() {
    transport.lock.lock();
    try {
      inputShut = true;
      dropInbound();
    } finally {
      transport.lock.unlock();
    }
  }

  /** wasmnet's {@code close} ends the guest's side only; the reply keeps coming. */
  @Override
  public void shutdownOutput() throws IOException {
    transport.lock.lock();
    try {
      if (!outputShut && state == State.CONNECTED) {
        outputShut = true;
        transport.send(new Request.Close(id));
      }
    } finally {
      transport.lock.unlock();
    }
  }

  @Override
  public InetSocketAddress remoteAddress() {
    transport.lock.lock();
    try {
      return state == State.CONNECTED ? remote : null;
    } finally {
      transport.lock.unlock();
    }
  }

  /** The server's end is what the peer sees; wasmnet does not say which it is. */
  @Override
  public InetSocketAddress localAddress() {
    return null;
  }

  @Override
  public void close() throws IOException {
    transport.lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      transport.forget(this);
      dropInbound();
      boolean serverHoldsIt = state == State.CONNECTING || state == State.CONNECTED;
      if (serverHoldsIt && !outputShut) {
        outputShut = true;
        transport.send(new Request.Close(id));
      }
    } finally {
      transport.lock.unlock();
    }
  }

  @Override
  void onEvent(Event event) {
    switch (event.type()) {
      case CONNECTED -> state = state == State.CONNECTING ? State.CONNECTED : state;
      case DATA -> {
        if (!inputShut) {
          byte[] data = ((Event.Data) event).data();
          inbound.add(data);
          transport.queued(data.length);
        }
      }
      case CLOSED -> {
        if (state == State.CONNECTING) {
          fail(new ConnectException("Connection refused: the wasmnet server closed it"));
        }
        peerClosed = true;
      }
      case ERROR ->
          fail(
              state == State.CONNECTING
                  ? new ConnectException(((Event.Error) event).msg())
                  : new SocketException("Connection reset: " + ((Event.Error) event).msg()));
      case DENIED -> fail(refusal(event, "the connection"));
      default -> {} // nothing else is about a connection
    }
  }

  private void fail(IOException cause) {
    if (failure == null) {
      failure = cause;
    }
    if (state == State.CONNECTING) {
      state = State.FAILED;
    }
  }

  @Override
  int readiness() {
    int ready = 0;
    if (state != State.CONNECTING) {
      ready |= Readiness.CONNECT;
    }
    if (!inbound.isEmpty() || peerClosed || inputShut || failure != null) {
      ready |= Readiness.READ;
    }
    if ((state == State.CONNECTED && transport.writable()) || failure != null || outputShut) {
      ready |= Readiness.WRITE;
    }
    return ready;
  }

  private void dropInbound() {
    long dropped = -headOffset;
    for (byte[] chunk : inbound) {
      dropped += chunk.length;
    }
    inbound.clear();
    headOffset = 0;
    transport.queued(-dropped);
  }
}
