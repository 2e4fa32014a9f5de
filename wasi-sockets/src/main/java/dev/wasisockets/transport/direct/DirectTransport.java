package dev.wasisockets.transport.direct;

import dev.wasisockets.transport.ReadinessSet;
import dev.wasisockets.transport.SpinRule;
import dev.wasisockets.transport.TcpChannel;
import dev.wasisockets.transport.TcpListenerChannel;
import dev.wasisockets.transport.Transport;
import dev.wasisockets.transport.UdpChannel;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real OS sockets through JDK NIO. A guest's blocking call with no time limit on a socket it does
 * not poll waits in the OS, in the call itself (see {@link DirectChannel}); every other wait parks
 * the guest's thread in one {@link Selector} shared by the instance's channels, so a guest with a
 * thousand sockets still uses one thread and one selector.
 */
public final class DirectTransport implements Transport {
  /**
   * The spin a transport gets by default: none. A spin trades CPU for a wake-up's latency, and a
   * host's CPU is the embedder's to give (see {@link #DirectTransport(Duration)}).
   */
  public static final Duration DEFAULT_SPIN = Duration.ZERO;

  private final SpinRule spin;
  private Selector selector;
  private SelectionKey[] keys = new SelectionKey[8]; // reused from wait to wait

  /** A transport that does not spin ({@link #DEFAULT_SPIN}). */
  public DirectTransport() {
    this(DEFAULT_SPIN);
  }

  /**
   * A transport whose waits for one socket's bytes spin for up to {@code spin} before they park the
   * thread, while most of the last 8 such waits ended within that time (a reply on loopback comes
   * within microseconds; a client's next request seldom does); {@link Duration#ZERO}: never.
   */
  public DirectTransport(Duration spin) {
    this.spin = new SpinRule(spin);
  }

  @Override
  public TcpChannel openTcp(StandardProtocolFamily family) throws IOException {
    return adopt(SocketChannel.open(family), family);
  }

  @Override
  public UdpChannel openUdp(StandardProtocolFamily family) throws IOException {
    DatagramChannel channel = DatagramChannel.open(family);
    try {
      channel.configureBlocking(false);
    } catch (IOException e) {
      channel.close();
      throw e;
    }
    return new DirectUdpChannel(channel, this);
  }

  /** Through the JDK's resolver (the OS's, with the JDK's cache); a literal is never looked up. */
  @Override
  public List<InetAddress> resolve(String host) throws IOException {
    return List.of(InetAddress.getAllByName(host));
  }

  @Override
  public TcpListenerChannel listenTcp(InetSocketAddress local, int backlog) throws IOException {
    ServerSocketChannel channel = ServerSocketChannel.open();
    try {
      channel.bind(local, backlog); // in the mode each call sets (see DirectChannel)
      return new DirectTcpListenerChannel(channel, this);
    } catch (IOException e) {
      channel.close();
      throw e;
    }
  }

  /**
   * Wraps a new or accepted socket of {@code family}, in the blocking mode NIO gives it: each call
   * sets the mode it needs (see {@link DirectChannel}).
   */
  TcpChannel adopt(SocketChannel channel, StandardProtocolFamily family) {
    return new DirectTcpChannel(channel, this, family);
  }

  @Override
  public int await(ReadinessSet set, long timeoutNanos) throws IOException {
    Selector selector = selector();
    if (keys.length < set.size()) {
      keys = new SelectionKey[Math.max(set.size(), keys.length * 2)];
    }
    SelectionKey[] keys = this.keys;
    try {
      for (int i = 0; i < set.size(); i++) {
        DirectChannel<?> channel = (DirectChannel<?>) set.channel(i);
        keys[i] = channel.key(selector, set.interest(i));
        keys[i].interestOps(keys[i].interestOps() | channel.selectionOps(set.interest(i)));
      }
      long start = System.nanoTime();
      long deadline = start + timeoutNanos;
      boolean spinnable = spin.applies(set);
      int spun = spinnable && spin.pays() ? spin(set, keys, timeoutNanos) : 0;
      if (spun > 0) {
        spin.remember(0);
        return spun;
      }
      while (true) {
        long remaining = deadline - System.nanoTime();
        if (timeoutNanos < 0) {
          selector.select();
        } else if (remaining <= 0) {
          selector.selectNow();
        } else {
          // select(0) would mean "forever": round a sub-millisecond wait up to 1 ms.
          selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining)));
        }
        int ready = collect(set, keys);
        if (ready > 0) {
          if (spinnable) {
            spin.remember(System.nanoTime() - start);
          }
          return ready;
        }
        if (Thread.interrupted()) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while waiting for sockets");
        }
        if (timeoutNanos >= 0 && deadline - System.nanoTime() <= 0) {
          return 0;
        }
      }
    } finally {
      for (int i = 0; i < set.size(); i++) {
        if (keys[i] != null && keys[i].isValid()) {
          keys[i].interestOps(0);
        }
        keys[i] = null;
      }
      selector.selectedKeys().clear();
    }
  }

  /**
   * Looks again and again, without sleeping, for up to the spin (or the timeout, if shorter): the
   * bytes a guest waits for on loopback and fast links mostly come within that, and parking the
   * thread in {@code select} costs a wake-up on top. The count ready, or 0.
   */
  private int spin(ReadinessSet set, SelectionKey[] keys, long timeoutNanos) throws IOException {
    long spinNanos = spin.spinNanos();
    long end =
        System.nanoTime() + (timeoutNanos < 0 ? spinNanos : Math.min(spinNanos, timeoutNanos));
    do {
      selector.selectNow();
      int ready = collect(set, keys);
      if (ready > 0) {
        return ready;
      }
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedIOException("interrupted while waiting for sockets");
      }
      SpinRule.pause();
    } while (System.nanoTime() - end < 0);
    return 0;
  }

  private static int collect(ReadinessSet set, SelectionKey[] keys) {
    int ready = 0;
    for (int i = 0; i < set.size(); i++) {
      SelectionKey key = keys[i];
      if (key.isValid() && key.selector().selectedKeys().contains(key)) {
        set.setReady(i, DirectChannel.readiness(key.readyOps()));
        if (set.ready(i) != 0) {
          ready++;
        }
      }
    }
    return ready;
  }

  /** The instance's selector, opened on first wait: guests that never wait never pay for it. */
  private Selector selector() throws IOException {
    if (selector == null) {
      selector = Selector.open();
    }
    return selector;
  }

  /** Completes the closing of channels registered with the selector (see DirectChannel#close). */
  void flushCancelledKeys() throws IOException {
    if (selector != null) {
      selector.selectNow();
      selector.selectedKeys().clear();
    }
  }

  @Override
  public void close() throws IOException {
    if (selector != null) {
      selector.close();
    }
  }
}
