package dev.wasisockets.bench;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The ceiling for the gateway: a plain Java TCP relay, one NIO selector thread. It accepts on
 * loopback, dials its one target, and copies both ways through one 64 KiB direct buffer per
 * direction. A direction reads only while its buffer has room, so a side that does not read stops
 * the other through TCP, as the gateway's back-pressure does; an end of stream is passed on as a
 * half-close once the buffer has drained.
 */
final class PlainRelay implements Closeable {
  private static final int BUFFER_BYTES = 64 * 1024;

  /** Buffers of closed pairs kept for the next ones: a direct buffer is dear to allocate. */
  private static final int IDLE_BUFFERS_KEPT = 64;

  private final ArrayDeque<ByteBuffer> idleBuffers = new ArrayDeque<>();

  private final InetSocketAddress target;
  private final Selector selector;
  private final ServerSocketChannel server;

  PlainRelay(InetSocketAddress target) throws IOException {
    this.target = target;
    this.selector = Selector.open();
    this.server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
    server.configureBlocking(false);
    server.register(selector, SelectionKey.OP_ACCEPT);
  }

  int port() {
    return server.socket().getLocalPort();
  }

  /** Relays until {@link #close()}. */
  void run() throws IOException {
    while (server.isOpen()) {
      selector.select();
      Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
      while (keys.hasNext()) {
        SelectionKey key = keys.next();
        keys.remove();
        if (!key.isValid()) {
          continue;
        }
        if (key.isAcceptable()) {
          accept();
        } else {
          ((End) key.attachment()).ready(key);
        }
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    selector.wakeup();
  }

  private void accept() throws IOException {
    SocketChannel client = server.accept();
    if (client == null) {
      return;
    }
    SocketChannel dialed = SocketChannel.open();
    for (SocketChannel channel : new SocketChannel[] {client, dialed}) {
      channel.configureBlocking(false);
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
    }
    Pair pair = new Pair(this, client, dialed);
    // Nothing is read from the client until the target has answered.
    pair.client.key = client.register(selector, 0, pair.client);
    pair.target.key =
        dialed.register(
            selector, dialed.connect(target) ? 0 : SelectionKey.OP_CONNECT, pair.target);
    if (dialed.isConnected()) {
      pair.update();
    }
  }

  private ByteBuffer takeBuffer() {
    ByteBuffer buffer = idleBuffers.poll();
    return buffer != null ? buffer : ByteBuffer.allocateDirect(BUFFER_BYTES);
  }

  private void giveBack(ByteBuffer buffer) {
    if (idleBuffers.size() < IDLE_BUFFERS_KEPT) {
      idleBuffers.add(buffer.clear());
    }
  }

  /** One direction: what {@code from} sent that {@code to} has not taken yet. */
  private static final class Direction {
    final SocketChannel from;
    final SocketChannel to;
    final ByteBuffer buffer;
    boolean ended;
    boolean passedOn;

    Direction(SocketChannel from, SocketChannel to, ByteBuffer buffer) {
      this.from = from;
      this.to = to;
      this.buffer = buffer;
    }

    boolean wantsRead() {
      return !ended && buffer.hasRemaining();
    }

    boolean wantsWrite() {
      return buffer.position() > 0;
    }

    /** Reads what there is room for, then passes it on. */
    void read() throws IOException {
      if (from.read(buffer) < 0) {
        ended = true;
      }
      write();
    }

    /** Writes what the buffer holds; passes an end of stream on once it is empty. */
    void write() throws IOException {
      buffer.flip();
      to.write(buffer);
      buffer.compact();
      if (ended && !passedOn && buffer.position() == 0) {
        passedOn = true;
        to.shutdownOutput();
      }
    }
  }

  /** A relayed connection: the client's socket, the target's, a direction each way. */
  private static final class Pair {
    final PlainRelay relay;
    final End client;
    final End target;
    final Direction up;
    final Direction down;

    private boolean closed;

    Pair(PlainRelay relay, SocketChannel clientChannel, SocketChannel targetChannel) {
      this.relay = relay;
      up = new Direction(clientChannel, targetChannel, relay.takeBuffer());
      down = new Direction(targetChannel, clientChannel, relay.takeBuffer());
      client = new End(this, clientChannel, up, down);
      target = new End(this, targetChannel, down, up);
    }

    /** Sets each end's interest from the directions' state, or closes when both ended. */
    void update() {
      if (up.passedOn && down.passedOn) {
        close();
        return;
      }
      client.interest();
      target.interest();
    }

    void close() {
      if (closed) {
        return;
      }
      closed = true;
      relay.giveBack(up.buffer);
      relay.giveBack(down.buffer);
      for (End end : new End[] {client, target}) {
        try {
          end.channel.close();
        } catch (IOException e) {
          // closing anyway
        }
      }
    }
  }

  /** One socket of a pair: it reads into {@code in} and writes from {@code out}. */
  private static final class End {
    final Pair pair;
    final SocketChannel channel;
    final Direction in;
    final Direction out;
    SelectionKey key;

    End(Pair pair, SocketChannel channel, Direction in, Direction out) {
      this.pair = pair;
      this.channel = channel;
      this.in = in;
      this.out = out;
    }

    void ready(SelectionKey key) {
      try {
        if (key.isConnectable()) {
          channel.finishConnect();
        }
        if (key.isValid() && key.isReadable()) {
          in.read();
        }
        if (key.isValid() && key.isWritable()) {
          out.write();
        }
        pair.update();
      } catch (IOException e) {
        pair.close(); // a reset or a refused dial: both sides go
      }
    }

    void interest() {
      int ops = (in.wantsRead() ? SelectionKey.OP_READ : 0);
      ops |= out.wantsWrite() ? SelectionKey.OP_WRITE : 0;
      if (key.isValid() && key.interestOps() != ops) {
        key.interestOps(ops);
      }
    }
  }
}
