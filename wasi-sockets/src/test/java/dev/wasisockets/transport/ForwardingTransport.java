package dev.wasisockets.transport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.util.List;

/** A transport that passes every call to another; a test overrides what it fakes or watches. */
public class ForwardingTransport implements Transport {
  private final Transport inner;

  public ForwardingTransport(Transport inner) {
    this.inner = inner;
  }

  @Override
  public TcpChannel openTcp(StandardProtocolFamily family) throws IOException {
    return inner.openTcp(family);
  }

  @Override
  public UdpChannel openUdp(StandardProtocolFamily family) throws IOException {
    return inner.openUdp(family);
  }

  @Override
  public List<InetAddress> resolve(String host) throws IOException {
    return inner.resolve(host);
  }

  @Override
  public TcpListenerChannel listenTcp(InetSocketAddress local, int backlog) throws IOException {
    return inner.listenTcp(local, backlog);
  }

  @Override
  public int await(ReadinessSet set, long timeoutNanos) throws IOException {
    return inner.await(set, timeoutNanos);
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }
}
