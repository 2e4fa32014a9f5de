package dev.wasisockets.wasmnet.client;

import dev.wasisockets.address.IpLiteral;
import dev.wasisockets.transport.ConnectionResetException;
import dev.wasisockets.transport.Readiness;
import dev.wasisockets.transport.TcpChannel;
import dev.wasisockets.transport.TcpListenerChannel;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.Request;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.Locale;

/**
 * A TCP connection the wasmnet server holds: {@code connect} and {@code connected} to open it,
 * {@code send} and {@code data} for bytes, {@code close} to end the guest's side (wasmnet's close
 * is a half-close: the peer's bytes keep coming until its {@code closed}).
 */
final class WasmnetTcpChannel extends WasmnetChannel implements TcpChannel {
  /**
   * Bytes per {@code send} frame: big enough to amortise framing, small enough to interleave. A
   * guest's 64 KiB write is one frame. (Frames of 64 KiB - 9, whose payload with the header is 64
   * KiB, the largest size Netty's allocator pools, were tried: every 64 KiB write then cost a
   * second, 9-byte frame, and the gateway's cost per frame outweighed the allocation it saved.)
   */
  static final int FRAME_BYTES = 64 << 10;

  private enum State {
    UNCONNECTED,
    CONNECTING,
    CONNECTED,
    FAILED
  }

  /**
   * What the server sent that the guest has not read, in the link's buffers (released when read).
   */
  private final ArrayDeque<ByteBuf> inbound = new ArrayDeque<>();

  /** What one {@link #read} took out of {@link #inbound} to copy; the guest's thread only. */
  private final ArrayDeque<ByteBuf> taken = new ArrayDeque<>();

  private State state;
  private InetSocketAddress bound;
  private InetSocketAddress remote;
  private IOException failure;
  private boolean peerClosed;
  private boolean inputShut;
  private boolean outputShut;

  /** A new socket, or (with {@code remote}) one a listener accepted, already connected. */
  WasmnetTcpChannel(WasmnetTransport transport, long id, InetSocketAddress remote) {
    super(transport, id);
    this.remote = remote;
    this.state = remote == null ? State.UNCONNECTED : State.CONNECTED;
  }

  /**
   * Remembers {@code local} for a listen: wasmnet binds only listeners ({@code bind}, then {@code
   * listen}, on the server), so nothing is sent before the guest says which this socket becomes. A
   * connection cannot choose its local end (the server does): a connect after binding anything but
   * "any address, any port" is refused.
   */
  @Override
  public void bind(InetSocketAddress local) {
    transport.lock.lock();
    try {
      bound = local;
    } finally {
      transport.lock.unlock();
    }
  }

  /**
   * wasmnet binds and listens in one request pair, and this channel holds nothing on the server
   * before it connects (its bind grants only "any address, any port"), so a new listener there
   * takes its place.
   */
  @Override
  public TcpListenerChannel listen(InetSocketAddress local, int backlog) throws IOException {
    TcpListenerChannel listener = transport.listenTcp(local, backlog);
    close();
    return listener;
  }

  @Override
  public boolean connect(InetSocketAddress remote) throws IOException {
    transport.lock.lock();
    try {
      if (bound != null) {
        requireAnyLocal(bound, "a wasmnet connection");
      }
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

  /**
   * Takes what is queued under the lock and copies it into {@code dst} after releasing it: a copy
   * of up to the whole queue must not hold up the link's I/O thread, which takes this lock for
   * every event and serves every other link too.
   */
  @Override
  public int read(ByteBuffer dst) throws IOException {
    int count = 0;
    transport.lock.lock();
    try {
      while (count < dst.remaining() && !inbound.isEmpty()) {
        ByteBuf head = inbound.peek();
        int n = Math.min(dst.remaining() - count, head.readableBytes());
        taken.add(n == head.readableBytes() ? inbound.poll() : head.readRetainedSlice(n));
        count += n;
      }
      if (count > 0) {
        transport.queued(-count);
      } else {
        if (inputShut || peerClosed) {
          return -1;
        }
        transport.throwIfLinkFailed();
        if (failure != null) {
          throw failure;
        }
        return 0;
      }
    } finally {
      transport.lock.unlock();
    }
    // Only the guest's thread reads, and these buffers are out of the queue: no lock needed.
    int limit = dst.limit();
    try {
      for (ByteBuf chunk : taken) {
        chunk.readBytes(dst.limit(dst.position() + chunk.readableBytes()));
        dst.limit(limit);
      }
    } finally {
      dst.limit(limit);
      for (ByteBuf chunk; (chunk = taken.poll()) != null; ) {
        chunk.release();
      }
    }
    return count;
  }

  /**
   * Checks the socket's state under the lock, then copies the bytes into frames without it (see
   * {@link #read}). Only the guest's thread writes, so frames of one socket stay in order.
   */
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
    } finally {
      transport.lock.unlock();
    }
    long total = 0;
    while (transport.writable()) {
      long left = remaining(srcs);
      if (left == 0) {
        break;
      }
      int count = (int) Math.min(FRAME_BYTES, left);
      transport.sendBytes(id, srcs, count);
      total += count;
    }
    return total;
  }

  private static long remaining(ByteBuffer[] srcs) {
    long total = 0;
    for (int i = 0; i < srcs.length; i++) {
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

  /**
   * What the guest bound, until it connects (a listen then binds it on the server); a connection's
   * own end is the server's, and wasmnet does not say which it is.
   */
  @Override
  public InetSocketAddress localAddress() {
    transport.lock.lock();
    try {
      return state == State.UNCONNECTED ? bound : null;
    } finally {
      transport.lock.unlock();
    }
  }

  @Override
  void release() throws IOException {
    dropInbound();
    boolean serverHoldsIt = state == State.CONNECTING || state == State.CONNECTED;
    if (serverHoldsIt && !outputShut) {
      outputShut = true;
      transport.send(new Request.Close(id));
    }
  }

  @Override
  void onEvent(Event event) {
    switch (event.type()) {
      case CONNECTED -> state = state == State.CONNECTING ? State.CONNECTED : state;
      case CLOSED -> {
        if (state == State.CONNECTING) {
          fail(new ConnectException("Connection refused: the wasmnet server closed it"));
        }
        peerClosed = true;
      }
      case ERROR -> {
        String msg = ((Event.Error) event).msg();
        fail(state == State.CONNECTING ? connectFailure(msg) : new ConnectionResetException(msg));
      }
      case DENIED -> fail(refusal(event, "the connection"));
      default -> {} // nothing else is about a connection
    }
  }

  /**
   * A connect the server could not make. wasmnet's {@code error} carries only text, so a connect
   * that timed out there is known by what the server says: Netty's own "connection timed out", or
   * the server's C library's text in English. Anything else is a refusal.
   */
  private static IOException connectFailure(String msg) {
    return msg.toLowerCase(Locale.ROOT).contains("timed out")
        ? new SocketTimeoutException(msg)
        : new ConnectException(msg);
  }

  /** Bytes from the peer, which this channel now owns; lock held. */
  void received(ByteBuf bytes) {
    if (inputShut || closed()) {
      bytes.release();
      return;
    }
    inbound.add(bytes);
    transport.queued(bytes.readableBytes());
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
    long dropped = 0;
    for (ByteBuf chunk; (chunk = inbound.poll()) != null; ) {
      dropped += chunk.readableBytes();
      chunk.release();
    }
    transport.queued(-dropped);
  }
}
