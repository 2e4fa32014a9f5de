package dev.wasisockets.transport.virtual;

import dev.wasisockets.transport.Readiness;
import dev.wasisockets.transport.TcpChannel;
import dev.wasisockets.transport.TcpListenerChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ClosedChannelException;

/** A guest's listening socket on the virtual network. Ready to READ when a connection waits. */
final class VirtualTcpListenerChannel extends VirtualChannel implements TcpListenerChannel {
  private final StandardProtocolFamily family;
  private final Listening listening;

  VirtualTcpListenerChannel(
      VirtualTransport transport, StandardProtocolFamily family, Listening listening) {
    super(transport, TCP_OPTIONS);
    this.family = family;
    this.listening = listening;
  }

  @Override
  public TcpChannel accept() throws IOException {
    network.lock();
    try {
      if (closed) {
        throw new ClosedChannelException();
      }
      Endpoint end = listening.poll();
      return end == null ? null : transport.adopt(new VirtualTcpChannel(transport, family, end));
    } finally {
      network.unlock();
    }
  }

  @Override
  public InetSocketAddress localAddress() throws IOException {
    network.lock();
    try {
      if (closed) {
        throw new ClosedChannelException();
      }
      return listening.localAddress();
    } finally {
      network.unlock();
    }
  }

  @Override
  int readiness(int interest) {
    return !closed && listening.hasPending() ? interest & Readiness.READ : 0;
  }

  @Override
  public void close() throws IOException {
    network.lock();
    try {
      if (!closed) {
        closed = true;
        listening.close();
        transport.forget(this);
      }
    } finally {
      network.unlock();
    }
  }
}
