package dev.wasisockets.transport.virtual;

import dev.wasisockets.transport.ReadinessSet;
import dev.wasisockets.transport.SpinRule;
import dev.wasisockets.transport.TcpChannel;
import dev.wasisockets.transport.TcpListenerChannel;
import dev.wasisockets.transport.Transport;
import dev.wasisockets.transport.UdpChannel;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * One guest instance's sockets on a {@link VirtualHost}. A wait checks the guest's channels and
 * parks on the network's condition under the network's lock (see {@link VirtualNetwork}), so no
 * wake-up is lost; it spins first only as its {@link SpinRule} says (none unless asked for).
 * Closing the transport closes every socket still open.
 */
final class VirtualTransport implements Transport {
  final VirtualNetwork network;
  final VirtualHost host;
  private final Set<VirtualChannel> open = Collections.newSetFromMap(new IdentityHashMap<>());
  private final SpinRule spin;
  private boolean closed;

  VirtualTransport(VirtualNetwork network, VirtualHost host, Duration spin) {
    this.network = network;
    this.host = host;
    this.spin = new SpinRule(spin);
  }

  @Override
  public TcpChannel openTcp(StandardProtocolFamily family) throws IOException {
    network.lock();
    try {
      return adopt(new VirtualTcpChannel(this, family));
    } finally {
      network.unlock();
    }
  }

  @Override
  public UdpChannel openUdp(StandardProtocolFamily family) throws IOException {
    network.lock();
    try {
      return adopt(new VirtualUdpChannel(this, family));
    } finally {
      network.unlock();
    }
  }

  @Override
  public List<InetAddress> resolve(String name) throws IOException {
    return network.resolve(name);
  }

  @Override
  public TcpListenerChannel listenTcp(InetSocketAddress local, int backlog) throws IOException {
    StandardProtocolFamily family =
        local.getAddress() instanceof Inet6Address
            ? StandardProtocolFamily.INET6
            : StandardProtocolFamily.INET;
    network.lock();
    try {
      Listening listening = host.listenOn(local, backlog);
      return adopt(new VirtualTcpListenerChannel(this, family, listening));
    } finally {
      network.unlock();
    }
  }

  @Override
  public int await(ReadinessSet set, long timeoutNanos) throws IOException {
    boolean spinnable = spin.applies(set);
    long start = spinnable ? System.nanoTime() : 0;
    // Spins until then (any change ends a watch; one that readies nothing watches on).
    long spinUntil = spinnable && spin.pays() ? start + spin.spinNanos() : start;
    network.lock();
    try {
      long remaining = timeoutNanos;
      while (true) {
        int ready = 0;
        for (int i = 0; i < set.size(); i++) {
          set.setReady(i, ((VirtualChannel) set.channel(i)).readiness(set.interest(i)));
          if (set.ready(i) != 0) {
            ready++;
          }
        }
        if (ready > 0) {
          if (spinnable) {
            spin.remember(System.nanoTime() - start);
          }
          return ready;
        }
        // As the direct transport: an interrupted thread ends a wait that found nothing ready.
        if (Thread.currentThread().isInterrupted()) {
          throw new InterruptedIOException("interrupted while waiting for sockets");
        }
        if (timeoutNanos >= 0 && remaining <= 0) {
          return 0;
        }
        if (spinnable) {
          long now = System.nanoTime();
          long watch = spinUntil - now;
          if (watch > 0) {
            network.watchForChange(timeoutNanos < 0 ? watch : Math.min(watch, remaining));
            if (timeoutNanos >= 0) {
              remaining = timeoutNanos - (System.nanoTime() - start);
            }
            continue;
          }
        }
        remaining = network.await(Duration.ofNanos(timeoutNanos < 0 ? -1 : remaining));
      }
    } finally {
      network.unlock();
    }
  }

  /** Records a channel for {@link #close}; with the lock held. */
  <C extends VirtualChannel> C adopt(C channel) throws IOException {
    if (closed) {
      throw new IOException("the transport is closed");
    }
    open.add(channel);
    return channel;
  }

  /** A channel closed; with the lock held. */
  void forget(VirtualChannel channel) {
    open.remove(channel);
  }

  @Override
  public void close() throws IOException {
    network.lock();
    try {
      closed = true;
      for (VirtualChannel channel : new ArrayList<>(open)) {
        channel.close(); // the lock is reentrant
      }
      open.clear();
    } finally {
      network.unlock();
    }
  }
}
