package dev.wasisockets.transport.virtual;

import dev.wasisockets.transport.Readiness;
import dev.wasisockets.transport.UdpChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;

/**
 * A guest's UDP socket on the virtual network (see {@link UdpPort} for what it does). Every method
 * takes the network's lock; none waits. Always writable: a send never waits for room, as a full
 * receiver drops instead.
 */
final class VirtualUdpChannel extends VirtualChannel implements UdpChannel {
  private final StandardProtocolFamily family;
  private final UdpPort port;

  VirtualUdpChannel(VirtualTransport transport, StandardProtocolFamily family) {
    super(transport, UDP_OPTIONS);
    this.family = family;
    this.port = new UdpPort(network, transport.host, family);
  }

  /**
   * SO_RCVBUF resizes the receive queue as Linux resizes the buffer: to twice the size asked (the
   * kernel's bookkeeping share), at most twice {@code net.core.rmem_max} (212,992 by default), at
   * least {@link DatagramQueue#MIN_CAPACITY}; reading it back gives that size, as on Linux.
   */
  @Override
  Object applied(SocketOption<?> option, Object value) {
    if (option == StandardSocketOptions.SO_RCVBUF) {
      int asked = (Integer) value;
      int size =
          (int)
              Math.max(
                  DatagramQueue.MIN_CAPACITY, 2L * Math.min(asked, DatagramQueue.DEFAULT_CAPACITY));
      port.resizeQueue(size);
      return size;
    }
    return value;
  }

  @Override
  public void bind(InetSocketAddress local) throws IOException {
    network.lock();
    try {
      ensureOpen();
      checkFamily(family, local);
      port.bind(local);
    } finally {
      network.unlock();
    }
  }

  @Override
  public void connect(InetSocketAddress remote) throws IOException {
    network.lock();
    try {
      ensureOpen();
      checkFamily(family, remote);
      port.connect(remote);
    } finally {
      network.unlock();
    }
  }

  @Override
  public InetSocketAddress remoteAddress() throws IOException {
    network.lock();
    try {
      ensureOpen();
      return port.peer();
    } finally {
      network.unlock();
    }
  }

  @Override
  public InetSocketAddress localAddress() throws IOException {
    network.lock();
    try {
      ensureOpen();
      return port.localAddress();
    } finally {
      network.unlock();
    }
  }

  @Override
  public InetSocketAddress receive(ByteBuffer dst) throws IOException {
    network.lock();
    try {
      ensureOpen();
      return port.receive(dst);
    } finally {
      network.unlock();
    }
  }

  @Override
  public int send(ByteBuffer src, InetSocketAddress target) throws IOException {
    network.lock();
    try {
      ensureOpen();
      checkFamily(family, target);
      return port.send(src, target);
    } finally {
      network.unlock();
    }
  }

  @Override
  int readiness(int interest) {
    if (closed) {
      return 0;
    }
    int ready = Readiness.WRITE;
    if (port.readable()) {
      ready |= Readiness.READ;
    }
    return ready & interest;
  }

  @Override
  public void close() throws IOException {
    network.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      port.close();
      transport.forget(this);
    } finally {
      network.unlock();
    }
  }
}
