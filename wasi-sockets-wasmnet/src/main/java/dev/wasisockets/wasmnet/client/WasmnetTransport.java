package dev.wasisockets.wasmnet.client;

import dev.wasisockets.address.IpLiteral;
import dev.wasisockets.transport.ConnectionResetException;
import dev.wasisockets.transport.ReadinessSet;
import dev.wasisockets.transport.RemotePolicyException;
import dev.wasisockets.transport.TcpChannel;
import dev.wasisockets.transport.TcpListenerChannel;
import dev.wasisockets.transport.Transport;
import dev.wasisockets.transport.UdpChannel;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.Request;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Guest sockets tunnelled to a wasmnet server over one WebSocket: each socket is an id on the link,
 * and the server does the real networking under its own policy (the local policy has already passed
 * every address). Guest calls behave as on the direct transport: {@link #await} waits on every
 * socket at once, channels never block except where wasmnet makes an answer necessary first
 * (listening, a UDP socket bound, a lookup), bounded by {@link WasmnetOptions#answerTimeout}.
 *
 * <p>Events arrive on the link's I/O thread and change socket state under one lock; the guest's
 * thread reads that state under the same lock. One I/O thread serves many links (every link in the
 * JVM by default, or those on an embedder's {@link EventLoopGroup}), so it must never wait long for
 * one guest: the lock guards state only, and bytes are copied between guest buffers and frames
 * outside it; and should a guest thread keep the lock anyway (preempted on a busy machine, say),
 * the I/O thread holds that link's events back and applies them, in order, a moment later, instead
 * of stalling every other link. Bytes the guest has not read yet are bounded: past {@link
 * #PAUSE_READING_AT} queued (or held-back) bytes the link stops reading, so the server (and, behind
 * it, the peers) slow down instead of this host buffering without end. If the WebSocket drops,
 * every socket on it fails with ECONNRESET at its next call.
 */
public final class WasmnetTransport implements Transport, WebSocketLink.EventSink {
  static final long PAUSE_READING_AT = 4 << 20;
  static final long RESUME_READING_AT = 1 << 20;

  /** How long the I/O thread waits for a guest's lock before it holds an event back. */
  static final long LOCK_WAIT_NANOS = 20_000;

  /** When the I/O thread tries again to apply held-back events. */
  static final long RETRY_NANOS = 100_000;

  final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Map<Long, WasmnetChannel> sockets = new HashMap<>();
  private final Map<Long, Event[]> lookups = new HashMap<>();
  private final WasmnetOptions options;
  private long nextId = 1;
  private long queuedBytes;
  private boolean reading = true;
  // Events the lock was too busy for, in arrival order; the link's I/O thread only.
  private final ArrayDeque<Runnable> heldBack = new ArrayDeque<>();
  private long heldBackBytes;
  private boolean retryScheduled;
  private boolean pausedWhileHeldBack;
  // Written under the lock; read without it where bytes are copied (see the class comment).
  private volatile IOException linkFailure;
  private volatile WebSocketLink link;

  private WasmnetTransport(WasmnetOptions options) {
    this.options = options;
  }

  /**
   * Opens the WebSocket to the wasmnet server at {@code uri} ({@code ws://} or {@code wss://}), on
   * the one I/O thread every such link in the JVM shares.
   */
  public static WasmnetTransport connect(URI uri, WasmnetOptions options) throws IOException {
    return connect(uri, options, WebSocketLink.sharedLoop());
  }

  /**
   * As {@link #connect(URI, WasmnetOptions)}, with the link's I/O on {@code group}, which stays the
   * caller's: the transport never shuts it down. An embedder that runs many guests can spread their
   * links over more threads, or keep a group per tenant.
   */
  public static WasmnetTransport connect(URI uri, WasmnetOptions options, EventLoopGroup group)
      throws IOException {
    Objects.requireNonNull(group);
    WasmnetTransport transport = new WasmnetTransport(options);
    transport.link = WebSocketLink.open(uri, options, group, transport);
    return transport;
  }

  @Override
  public TcpChannel openTcp(StandardProtocolFamily family) throws IOException {
    return new WasmnetTcpChannel(this, newId(), null);
  }

  @Override
  public UdpChannel openUdp(StandardProtocolFamily family) throws IOException {
    return new WasmnetUdpChannel(this, newId(), family);
  }

  /** Asks the server, whose policy may refuse (then {@link RemotePolicyException}). */
  @Override
  public List<InetAddress> resolve(String host) throws IOException {
    long id = newId();
    Event[] answer = new Event[1];
    lock.lock();
    try {
      lookups.put(id, answer);
      try {
        send(new Request.Resolve(id, host));
        awaitUntil(() -> answer[0] != null, "the lookup of " + host);
      } finally {
        lookups.remove(id);
      }
    } finally {
      lock.unlock();
    }
    if (answer[0] instanceof Event.Resolved resolved) {
      List<InetAddress> addresses = new ArrayList<>();
      for (String text : resolved.addrs()) {
        InetAddress address = IpLiteral.parse(text);
        if (address != null) { // the server's word is not trusted to be an address
          addresses.add(address);
        }
      }
      if (addresses.isEmpty()) {
        throw new UnknownHostException(host);
      }
      return addresses;
    }
    if (answer[0] instanceof Event.Denied denied) {
      throw new RemotePolicyException(
          "the wasmnet server refused to look up " + host + ": " + denied.msg());
    }
    throw new UnknownHostException(host + ": " + ((Event.Error) answer[0]).msg());
  }

  /** Binds and listens on the server, as wasmnet's {@code bind} then {@code listen}. */
  @Override
  public TcpListenerChannel listenTcp(InetSocketAddress local, int backlog) throws IOException {
    WasmnetTcpListenerChannel listener = new WasmnetTcpListenerChannel(this, newId(), local);
    lock.lock();
    try {
      register(listener);
      send(new Request.Bind(listener.id, IpLiteral.format(local.getAddress()), local.getPort()));
      awaitUntil(listener::answered, "listening on " + IpLiteral.format(local));
      listener.throwIfFailed();
      send(new Request.Listen(listener.id, backlog));
      return listener;
    } catch (IOException e) {
      listener.close();
      throw e;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int await(ReadinessSet set, long timeoutNanos) throws IOException {
    long deadline = System.nanoTime() + timeoutNanos;
    lock.lock();
    try {
      while (true) {
        int ready = 0;
        for (int i = 0; i < set.size(); i++) {
          WasmnetChannel socket = (WasmnetChannel) set.channel(i);
          set.setReady(i, linkFailure != null ? set.interest(i) : socket.readiness());
          if (set.ready(i) != 0) {
            ready++;
          }
        }
        long remaining = deadline - System.nanoTime();
        if (ready > 0 || timeoutNanos == 0 || (timeoutNanos > 0 && remaining <= 0)) {
          return ready;
        }
        if (timeoutNanos < 0) {
          changed.await();
        } else {
          changed.awaitNanos(remaining);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for sockets");
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (link != null) {
        link.close();
      }
      if (linkFailure == null) {
        linkFailure = new ConnectionResetException("the wasmnet transport was closed");
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  // --- events, on the link's I/O thread ---

  @Override
  public void onEvent(Event event) {
    apply(
        () -> {
          Event[] lookup = lookups.get(event.id());
          if (lookup != null) {
            lookup[0] = event;
          } else {
            WasmnetChannel socket = sockets.get(event.id());
            if (socket != null) { // else: about a socket the guest has closed
              socket.onEvent(event);
            }
          }
        },
        0);
  }

  @Override
  public void onData(long id, ByteBuf bytes) {
    apply(
        () -> {
          if (sockets.get(id) instanceof WasmnetTcpChannel connection) {
            connection.received(bytes);
          } else {
            bytes.release(); // for a socket the guest has closed, or not a connection
          }
        },
        bytes.readableBytes());
  }

  @Override
  public void onWritabilityChanged() {
    apply(() -> {}, 0); // wakes writers
  }

  @Override
  public void onClosed(String reason) {
    apply(
        () -> {
          if (linkFailure == null) {
            linkFailure = new ConnectionResetException(reason);
          }
        },
        0);
  }

  /**
   * Applies {@code change} (an event of {@code bytes} data bytes) under the lock and wakes the
   * guest, after every change held back before it. The I/O thread serves other links too, so it
   * never waits long for a guest: if a guest thread keeps the lock past {@link #LOCK_WAIT_NANOS}
   * (preempted, say), the changes wait, in order, for a retry shortly after, and past {@link
   * #PAUSE_READING_AT} held-back bytes the link stops reading until they are applied.
   */
  private void apply(Runnable change, long bytes) {
    heldBack.add(change);
    heldBackBytes += bytes;
    applyHeldBack();
  }

  private void retryHeldBack() {
    retryScheduled = false;
    applyHeldBack();
  }

  /** On the I/O thread: applies what is held back, or tries again soon. */
  private void applyHeldBack() {
    if (heldBack.isEmpty()) {
      return;
    }
    WebSocketLink current = link;
    if (!tryLockBriefly(current)) {
      if (heldBackBytes > PAUSE_READING_AT) {
        // Again for each event past the mark: a guest's read may have resumed reading meanwhile.
        pausedWhileHeldBack = true;
        current.setReading(false);
      }
      if (retryScheduled || scheduleRetry(current)) {
        return;
      }
      lock.lock(); // the loop is shutting down: no other link is left for this thread to serve
    }
    try {
      for (Runnable change; (change = heldBack.poll()) != null; ) {
        change.run();
      }
      heldBackBytes = 0;
      if (pausedWhileHeldBack) {
        pausedWhileHeldBack = false;
        current.setReading(reading);
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Asks the link's loop to try again soon; false if the loop is shutting down. */
  private boolean scheduleRetry(WebSocketLink current) {
    try {
      current.later(this::retryHeldBack, RETRY_NANOS);
      retryScheduled = true;
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  /**
   * Takes the lock within {@link #LOCK_WAIT_NANOS}; or at any cost while the link is still opening
   * (no guest has the transport yet, and there is no loop to retry on).
   */
  private boolean tryLockBriefly(WebSocketLink current) {
    if (current == null) {
      lock.lock();
      return true;
    }
    try {
      return lock.tryLock(LOCK_WAIT_NANOS, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  // --- for the channels: with the lock held unless a method says otherwise ---

  /** A fresh id, skipping those the server gave accepted connections. */
  long newId() {
    lock.lock();
    try {
      long id;
      do {
        id = nextId++;
      } while (inUse(id));
      return id;
    } finally {
      lock.unlock();
    }
  }

  /** Whether {@code id} names a socket or lookup of this transport; lock held. */
  boolean inUse(long id) {
    return sockets.containsKey(id) || lookups.containsKey(id);
  }

  void register(WasmnetChannel socket) {
    sockets.put(socket.id, socket);
  }

  void forget(WasmnetChannel socket) {
    sockets.remove(socket.id, socket);
  }

  /** Sends {@code request}, unless the link is gone: then its failure. Lock held or not. */
  void send(Request request) throws IOException {
    throwIfLinkFailed();
    link.send(request);
  }

  /**
   * Sends the next {@code count} bytes of {@code srcs} for {@code id}, unless the link is gone; a
   * copy, so called without the lock.
   */
  void sendBytes(long id, ByteBuffer[] srcs, int count) throws IOException {
    throwIfLinkFailed();
    link.sendBytes(id, srcs, count);
  }

  void throwIfLinkFailed() throws IOException {
    if (linkFailure != null) {
      throw linkFailure;
    }
  }

  /**
   * Whether the link takes more frames now without growing its buffer past its high mark; lock held
   * or not.
   */
  boolean writable() {
    return link.isWritable();
  }

  /** Counts bytes waiting for the guest (negative when it took them), pausing the link if many. */
  void queued(long delta) {
    queuedBytes += delta;
    if (reading && queuedBytes > PAUSE_READING_AT) {
      reading = false;
      link.setReading(false);
    } else if (!reading && queuedBytes < RESUME_READING_AT) {
      reading = true;
      link.setReading(true);
    }
  }

  /** Waits (lock held) until {@code done}, the link fails, or the answer timeout passes. */
  void awaitUntil(BooleanSupplier done, String what) throws IOException {
    long remaining = options.answerTimeout().toNanos();
    try {
      while (!done.getAsBoolean()) {
        throwIfLinkFailed();
        if (remaining <= 0) {
          throw new SocketTimeoutException("the wasmnet server did not answer in time: " + what);
        }
        remaining = changed.awaitNanos(remaining);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for " + what);
    }
  }
}
