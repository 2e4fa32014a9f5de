package dev.wasisockets.transport.virtual;

import dev.wasisockets.transport.ConnectionResetException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;

/**
 * One end of an established virtual TCP connection, as Linux keeps it for a loopback socket. Every
 * method is called with the network's lock held, and signals the network when it changes what a
 * waiter could see.
 */
final class Endpoint {
  private final VirtualNetwork network;
  final InetSocketAddress local;
  final InetSocketAddress remote;
  // What the peer wrote and this end has not read.
  private final StreamBuffer inbound = new StreamBuffer();
  private final VirtualHost.Binding binding; // the port this end holds, or null (an accepted end)
  private Endpoint peer;
  private boolean inputShut;
  private boolean outputShut;
  private boolean closed;
  private boolean reset;

  private Endpoint(
      VirtualNetwork network,
      InetSocketAddress local,
      InetSocketAddress remote,
      VirtualHost.Binding binding) {
    this.network = network;
    this.local = local;
    this.remote = remote;
    this.binding = binding;
  }

  /**
   * A new connection from {@code client} (its port in {@code clientBinding}) to {@code server}: the
   * client's end; the server's end is its {@link #peer()}.
   */
  static Endpoint pair(
      VirtualNetwork network,
      InetSocketAddress client,
      InetSocketAddress server,
      VirtualHost.Binding clientBinding) {
    Endpoint clientEnd = new Endpoint(network, client, server, clientBinding);
    Endpoint serverEnd = new Endpoint(network, server, client, null);
    clientEnd.peer = serverEnd;
    serverEnd.peer = clientEnd;
    return clientEnd;
  }

  Endpoint peer() {
    return peer;
  }

  /** Reads what has come: the count, 0 if nothing has, -1 at the end of the stream. */
  int read(ByteBuffer dst) throws IOException {
    if (closed) {
      throw new ClosedChannelException();
    }
    if (reset) {
      throw new ConnectionResetException("Connection reset by peer");
    }
    if (inputShut) {
      return -1; // Linux: a read after SHUT_RD is end-of-stream
    }
    int count = inbound.take(dst);
    if (count > 0) {
      network.changed(); // room for the peer's writer
      return count;
    }
    return inbound.isFinished() && dst.hasRemaining() ? -1 : 0;
  }

  /** Writes what fits in the peer's buffer now; the count. */
  long write(ByteBuffer[] srcs) throws IOException {
    if (closed || outputShut) {
      throw new ClosedChannelException(); // after SHUT_WR: EPIPE, as POSIX says
    }
    if (reset) {
      throw new ConnectionResetException("Connection reset by peer");
    }
    long count = 0;
    if (peer.closed || peer.inputShut) {
      // Linux takes the bytes and drops them; a peer that closed answers with a reset, which the
      // next call on this end reports.
      for (ByteBuffer src : srcs) {
        count += src.remaining();
        src.position(src.limit());
      }
      if (peer.closed) {
        reset = true;
        network.changed();
      }
      return count;
    }
    for (ByteBuffer src : srcs) {
      count += peer.inbound.put(src);
      if (src.hasRemaining()) {
        break;
      }
    }
    if (count > 0) {
      network.changed();
    }
    return count;
  }

  /** Whether a read would not return 0: bytes, the end of the stream, or a reset. */
  boolean readable() {
    return reset || closed || inputShut || inbound.size() > 0 || inbound.isFinished();
  }

  /** Whether a write would not return 0: room, or a failure it would report. */
  boolean writable() {
    return reset
        || closed
        || outputShut
        || peer.closed
        || peer.inputShut
        || peer.inbound.room() > 0;
  }

  /** SHUT_WR: the peer reads the bytes already written, then end-of-stream. */
  void shutdownOutput() throws IOException {
    if (closed) {
      throw new ClosedChannelException();
    }
    if (!outputShut) {
      outputShut = true;
      peer.inbound.finish();
      network.changed();
    }
  }

  /** SHUT_RD: no more reads; what has come and what comes is dropped (the peer is not told). */
  void shutdownInput() throws IOException {
    if (closed) {
      throw new ClosedChannelException();
    }
    inputShut = true;
    inbound.discard();
    network.changed();
  }

  /**
   * Closes this end. With bytes unread, or {@code abort} (SO_LINGER 0), the peer gets a reset, as
   * Linux sends an RST then; otherwise it reads end-of-stream after the bytes already written.
   */
  void close(boolean abort) {
    if (closed) {
      return;
    }
    closed = true;
    if (binding != null) {
      binding.release();
    }
    if (!peer.closed && !reset && (abort || inbound.size() > 0)) {
      peer.reset = true;
      peer.inbound.discard();
    } else {
      peer.inbound.finish();
    }
    inbound.discard();
    network.changed();
  }
}
