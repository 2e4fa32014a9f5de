package dev.wasisockets.transport.virtual;

import dev.wasisockets.transport.ConnectionResetException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;

/**
 * One end of an established virtual TCP connection, as Linux keeps it for a loopback socket. Every
 * method is called with the network's lock held, and signals the network when it changes what a
 * waiter could see. The bytes this end writes go over its {@link #outbound} link, with that link's
 * latency and bandwidth, and wait while it is cut.
 */
final class Endpoint {
  private final VirtualNetwork network;
  private final VirtualHost host;
  private final Link outbound; // from this end's host to the peer's
  final InetSocketAddress local;
  final InetSocketAddress remote;
  // What the peer wrote and this end has not read.
  private final StreamBuffer inbound;
  private final VirtualHost.Binding binding; // the port this end holds, or null (an accepted end)
  private Endpoint peer;
  private boolean inputShut;
  private boolean outputShut;
  private boolean closed;
  private boolean reset;

  private Endpoint(
      VirtualNetwork network,
      VirtualHost host,
      Link outbound,
      InetSocketAddress local,
      InetSocketAddress remote,
      VirtualHost.Binding binding) {
    this.network = network;
    this.inbound = new StreamBuffer(network.rings());
    this.host = host;
    this.outbound = outbound;
    this.local = local;
    this.remote = remote;
    this.binding = binding;
  }

  /**
   * A new connection from {@code client} on {@code clientHost} (its port in {@code clientBinding})
   * to {@code server} on {@code serverHost}: the client's end; the server's end is its {@link
   * #peer()}. Both hosts list their end until it closes, so a fault can reset them.
   */
  static Endpoint pair(
      VirtualNetwork network,
      VirtualHost clientHost,
      InetSocketAddress client,
      VirtualHost serverHost,
      InetSocketAddress server,
      VirtualHost.Binding clientBinding) {
    Endpoint clientEnd =
        new Endpoint(
            network, clientHost, clientHost.linkTo(serverHost), client, server, clientBinding);
    Endpoint serverEnd =
        new Endpoint(network, serverHost, serverHost.linkTo(clientHost), server, client, null);
    clientEnd.peer = serverEnd;
    serverEnd.peer = clientEnd;
    clientHost.connections().add(clientEnd);
    serverHost.connections().add(serverEnd);
    return clientEnd;
  }

  VirtualHost host() {
    return host;
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
    inbound.readable(peer.outbound);
    boolean full = inbound.size() == StreamBuffer.CAPACITY;
    int count = inbound.take(dst);
    if (count > 0) {
      if (full) {
        // Room for the peer's writer, which waits only for a full buffer: a read of a buffer
        // with room changes nothing any waiter waits for, and waking them (a ping-pong's peer,
        // parked for its reply) would cost a wake-up per message for nothing.
        network.changed();
      }
      return count;
    }
    return dst.hasRemaining() && inbound.endReached(peer.outbound) ? -1 : 0;
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
    // The reader waits only while nothing is unread: bytes added to unread ones wake nobody.
    boolean readerMayWait = peer.inbound.size() == 0 || !outbound.isClear();
    for (ByteBuffer src : srcs) {
      int fits = peer.inbound.fits(src);
      if (outbound.isClear()) {
        peer.inbound.put(src, fits, Link.NOW);
      } else {
        sendOverFaultyLink(src, fits);
      }
      count += fits;
      if (src.hasRemaining()) {
        break;
      }
    }
    if (count > 0 && readerMayWait) {
      network.changed();
    }
    return count;
  }

  /**
   * Puts {@code count} bytes of {@code src} in the peer's buffer a segment at a time, each due when
   * the link's bandwidth and latency say, and has the network wake its waiters then.
   */
  private void sendOverFaultyLink(ByteBuffer src, int count) {
    long now = System.nanoTime();
    for (int left = count; left > 0; ) {
      int segment = Math.min(left, Link.SEGMENT);
      long due = outbound.arrival(segment, now);
      peer.inbound.put(src, segment, due);
      network.wakeAt(due);
      left -= segment;
    }
  }

  /** When an end-of-stream sent now arrives at the peer. */
  private long finDue() {
    if (outbound.isClear()) {
      return Link.NOW;
    }
    long due = outbound.arrival(0, System.nanoTime());
    network.wakeAt(due);
    return due;
  }

  /** Whether a read would not return 0: bytes, the end of the stream, or a reset. */
  boolean readable() {
    return reset
        || closed
        || inputShut
        || inbound.readable(peer.outbound) > 0
        || inbound.endReached(peer.outbound);
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
      peer.inbound.finish(finDue());
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
    host.connections().remove(this);
    if (binding != null) {
      binding.release();
    }
    if (!peer.closed && !reset && (abort || inbound.size() > 0)) {
      peer.reset = true;
      peer.inbound.discard();
    } else {
      peer.inbound.finish(finDue());
    }
    inbound.discard();
    network.changed();
  }

  /**
   * A reset from the network (a fault): both ends' next call is ECONNRESET and what they had not
   * read is gone, as when an RST reaches each of them.
   */
  void resetBoth() {
    for (Endpoint end : new Endpoint[] {this, peer}) {
      end.host.connections().remove(end); // a reset connection cannot be reset again
      if (!end.closed) {
        end.reset = true;
        end.inbound.discard();
      }
    }
    network.changed();
  }
}
