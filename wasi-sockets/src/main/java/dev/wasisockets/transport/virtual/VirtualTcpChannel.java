package dev.wasisockets.transport.virtual;

import dev.wasisockets.transport.Readiness;
import dev.wasisockets.transport.TcpChannel;
import dev.wasisockets.transport.TcpListenerChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NotYetConnectedException;

/**
 * A guest's TCP socket on the virtual network: unbound, bound, connecting (while the listener's
 * queue is full, or through a link's faults), or connected to an {@link Endpoint}. Every method
 * takes the network's lock; none waits.
 */
final class VirtualTcpChannel extends VirtualChannel implements TcpChannel {
  private final StandardProtocolFamily family;
  private VirtualHost.Binding binding; // bound, not yet connected: the port it holds
  private InetSocketAddress connecting; // a connect waiting: for room, or through faults
  private long connectStartedAt;
  private Endpoint end; // connected

  VirtualTcpChannel(VirtualTransport transport, StandardProtocolFamily family) {
    super(transport, TCP_OPTIONS);
    this.family = family;
  }

  /** A connection a listener accepted. */
  VirtualTcpChannel(VirtualTransport transport, StandardProtocolFamily family, Endpoint end) {
    this(transport, family);
    this.end = end;
  }

  @Override
  public void bind(InetSocketAddress local) throws IOException {
    network.lock();
    try {
      ensureOpen();
      if (binding != null || end != null) {
        throw new AlreadyBoundException();
      }
      checkFamily(family, local);
      binding = transport.host.bind(local);
    } finally {
      network.unlock();
    }
  }

  @Override
  public TcpListenerChannel listen(InetSocketAddress local, int backlog) throws IOException {
    network.lock();
    try {
      ensureOpen();
      if (end != null || connecting != null) {
        throw new AlreadyConnectedException();
      }
      Listening listening;
      if (binding != null) {
        // The port passes to the listener without ever being free in between.
        binding.listening = new Listening(network, binding, backlog);
        listening = binding.listening;
        binding = null;
      } else {
        checkFamily(family, local);
        listening = transport.host.listenOn(local, backlog);
      }
      closeLocked();
      return transport.adopt(new VirtualTcpListenerChannel(transport, family, listening));
    } finally {
      network.unlock();
    }
  }

  @Override
  public boolean connect(InetSocketAddress remote) throws IOException {
    network.lock();
    try {
      ensureOpen();
      if (end != null) {
        throw new AlreadyConnectedException();
      }
      if (connecting != null) {
        throw new ConnectionPendingException();
      }
      checkFamily(family, remote);
      connecting = remote;
      connectStartedAt = System.nanoTime();
      return finishLocked();
    } finally {
      network.unlock();
    }
  }

  @Override
  public boolean finishConnect() throws IOException {
    network.lock();
    try {
      ensureOpen();
      if (end != null) {
        return true;
      }
      if (connecting == null) {
        throw new NotYetConnectedException();
      }
      return finishLocked();
    } finally {
      network.unlock();
    }
  }

  /** Tries the pending connect once: true when connected, false while the queue is full. */
  private boolean finishLocked() throws IOException {
    Endpoint connected;
    try {
      connected = network.connect(transport.host, binding, connecting, connectStartedAt);
    } catch (IOException e) {
      connecting = null; // refused or unreachable: the socket has failed
      throw e;
    }
    if (connected == null) {
      return false;
    }
    end = connected;
    binding = null; // the connection holds the port now
    connecting = null;
    return true;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    network.lock();
    try {
      return connected().read(dst);
    } finally {
      network.unlock();
    }
  }

  @Override
  public long write(ByteBuffer[] srcs) throws IOException {
    network.lock();
    try {
      return connected().write(srcs);
    } finally {
      network.unlock();
    }
  }

  @Override
  public void shutdownInput() throws IOException {
    network.lock();
    try {
      connected().shutdownInput();
    } finally {
      network.unlock();
    }
  }

  @Override
  public void shutdownOutput() throws IOException {
    network.lock();
    try {
      connected().shutdownOutput();
    } finally {
      network.unlock();
    }
  }

  @Override
  public InetSocketAddress remoteAddress() throws IOException {
    network.lock();
    try {
      ensureOpen();
      return end == null ? null : end.remote;
    } finally {
      network.unlock();
    }
  }

  @Override
  public InetSocketAddress localAddress() throws IOException {
    network.lock();
    try {
      ensureOpen();
      return end != null ? end.local : binding != null ? binding.address() : null;
    } finally {
      network.unlock();
    }
  }

  @Override
  int readiness(int interest) {
    if (closed) {
      return 0;
    }
    if (end != null) {
      int ready = Readiness.CONNECT;
      if (end.readable()) {
        ready |= Readiness.READ;
      }
      if (end.writable()) {
        ready |= Readiness.WRITE;
      }
      return ready & interest;
    }
    if (connecting != null
        && network.connectWouldEnd(transport.host, connecting, connectStartedAt)) {
      // As a finished connect on the direct transport: connected and writable (POLLOUT).
      return (Readiness.CONNECT | Readiness.WRITE) & interest;
    }
    return 0;
  }

  @Override
  public void close() throws IOException {
    network.lock();
    try {
      closeLocked();
    } finally {
      network.unlock();
    }
  }

  private void closeLocked() {
    if (closed) {
      return;
    }
    closed = true;
    if (end != null) {
      end.close(abortsOnClose());
    }
    if (binding != null) {
      binding.release();
      binding = null;
    }
    connecting = null;
    transport.forget(this);
    network.changed();
  }

  private Endpoint connected() throws IOException {
    ensureOpen();
    if (end == null) {
      throw new NotYetConnectedException();
    }
    return end;
  }
}
