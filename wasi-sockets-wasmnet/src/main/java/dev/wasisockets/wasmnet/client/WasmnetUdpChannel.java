package dev.wasisockets.wasmnet.client;

import dev.wasisockets.address.IpLiteral;
import dev.wasisockets.transport.Readiness;
import dev.wasisockets.transport.UdpChannel;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.Request;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * A UDP socket on the wasmnet server. wasmnet opens one only with a first peer ({@code
 * connect_udp}), so the socket opens on the guest's connect or first send, waiting for {@code
 * udp_bound}; later datagrams to the same peer go as {@code send}, to others as {@code send_to}.
 */
final class WasmnetUdpChannel extends WasmnetChannel implements UdpChannel {
  private record Datagram(InetSocketAddress sender, byte[] data) {}

  private final StandardProtocolFamily family;
  private final ArrayDeque<Datagram> inbound = new ArrayDeque<>();
  private Event answer;
  private InetSocketAddress firstPeer;
  private InetSocketAddress peer;
  private int port;
  private IOException failure; // for good: the socket is gone
  private IOException pendingError; // one datagram's failure, reported once (as ICMP errors are)

  WasmnetUdpChannel(WasmnetTransport transport, long id, StandardProtocolFamily family) {
    super(transport, id);
    this.family = family;
  }

  /** The server picks the port: only "any address, any port" can be granted. */
  @Override
  public void bind(InetSocketAddress local) throws IOException {
    requireAnyLocal(local, "a wasmnet UDP socket");
  }

  @Override
  public void connect(InetSocketAddress remote) throws IOException {
    transport.lock.lock();
    try {
      open(remote);
      peer = remote;
    } finally {
      transport.lock.unlock();
    }
  }

  @Override
  public InetSocketAddress remoteAddress() {
    transport.lock.lock();
    try {
      return peer;
    } finally {
      transport.lock.unlock();
    }
  }

  /** Takes the next datagram under the lock and copies it out after (see WasmnetTcpChannel). */
  @Override
  public InetSocketAddress receive(ByteBuffer dst) throws IOException {
    Datagram next;
    transport.lock.lock();
    try {
      next = inbound.poll();
      if (next == null) {
        throwIfFailed();
        return null;
      }
      transport.queued(-next.data.length);
    } finally {
      transport.lock.unlock();
    }
    dst.put(next.data, 0, Math.min(dst.remaining(), next.data.length));
    return next.sender;
  }

  /** Checks under the lock, then copies and encodes the datagram without it. */
  @Override
  public int send(ByteBuffer src, InetSocketAddress target) throws IOException {
    transport.lock.lock();
    try {
      open(target);
      throwIfFailed();
    } finally {
      transport.lock.unlock();
    }
    if (!transport.writable()) {
      return 0;
    }
    // firstPeer is set once, by this (the guest's) thread, in open().
    byte[] data = new byte[src.remaining()];
    src.get(data);
    transport.send(
        target.equals(firstPeer)
            ? new Request.Send(id, data)
            : new Request.SendTo(
                id, IpLiteral.format(target.getAddress()), target.getPort(), data));
    return data.length;
  }

  private void throwIfFailed() throws IOException {
    transport.throwIfLinkFailed();
    if (failure != null) {
      throw failure;
    }
    IOException once = pendingError;
    if (once != null) {
      pendingError = null;
      throw once;
    }
  }

  /** Opens the server's socket with {@code target} as its first peer, once; lock held. */
  private void open(InetSocketAddress target) throws IOException {
    if (firstPeer != null) {
      return;
    }
    transport.throwIfLinkFailed();
    firstPeer = target;
    transport.register(this);
    transport.send(
        new Request.ConnectUdp(id, IpLiteral.format(target.getAddress()), target.getPort()));
    transport.awaitUntil(() -> answer != null, "a UDP socket for " + IpLiteral.format(target));
    if (!(answer instanceof Event.UdpBound)) {
      failure = refusal(answer, "a UDP socket");
      throw failure;
    }
  }

  /** The port the server bound (on the server's host). */
  @Override
  public InetSocketAddress localAddress() {
    transport.lock.lock();
    try {
      if (!(answer instanceof Event.UdpBound)) {
        return null;
      }
      InetAddress any = IpLiteral.parse(family == StandardProtocolFamily.INET6 ? "::" : "0.0.0.0");
      return new InetSocketAddress(any, port);
    } finally {
      transport.lock.unlock();
    }
  }

  @Override
  void release() throws IOException {
    for (Datagram datagram : inbound) {
      transport.queued(-datagram.data.length);
    }
    inbound.clear();
    if (answer instanceof Event.UdpBound) {
      transport.send(new Request.Close(id));
    }
  }

  @Override
  void onEvent(Event event) {
    switch (event.type()) {
      case UDP_BOUND -> {
        if (answer == null) {
          answer = event;
          port = ((Event.UdpBound) event).port();
        }
      }
      case DATA_FROM -> received((Event.DataFrom) event);
      case ERROR, DENIED -> {
        if (answer == null) {
          answer = event;
        } else {
          pendingError = refusal(event, "a datagram");
        }
      }
      case CLOSED -> {
        if (failure == null) {
          failure = new SocketException("the wasmnet server closed the UDP socket");
        }
      }
      default -> {} // nothing else is about a UDP socket
    }
  }

  private void received(Event.DataFrom event) {
    InetAddress address = IpLiteral.parse(event.addr());
    if (address == null) {
      return; // the server's word is not trusted to be an address
    }
    InetSocketAddress sender = new InetSocketAddress(address, event.port());
    if (peer == null || peer.equals(sender)) {
      inbound.add(new Datagram(sender, event.data()));
      transport.queued(event.data().length);
    }
  }

  @Override
  int readiness() {
    int ready = 0;
    boolean failed = failure != null || pendingError != null;
    if (!inbound.isEmpty() || failed) {
      ready |= Readiness.READ;
    }
    if (transport.writable() || failed) {
      ready |= Readiness.WRITE;
    }
    return ready;
  }
}
