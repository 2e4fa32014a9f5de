package dev.wasisockets.core;

import dev.wasisockets.policy.Limits;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.transport.ForwardingTransport;
import dev.wasisockets.transport.direct.DirectTransport;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A transport whose resolver does not answer until released, and cannot be interrupted (as the
 * JDK's): every name it is asked is remembered; once released it answers 127.0.0.1.
 */
final class BlockingResolver extends ForwardingTransport {
  private final CountDownLatch released = new CountDownLatch(1);
  private final List<String> asked = new ArrayList<>();

  BlockingResolver() {
    super(new DirectTransport());
  }

  @Override
  public List<InetAddress> resolve(String host) {
    synchronized (asked) {
      asked.add(host);
    }
    boolean interrupted = false;
    while (true) {
      try {
        released.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true; // not interruptible: carry on waiting
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return List.of(InetAddress.getLoopbackAddress());
  }

  /** Lets every lookup waiting here, and every later one, answer. */
  void release() {
    released.countDown();
  }

  /** The names the resolver was asked so far. */
  List<String> asked() {
    synchronized (asked) {
      return List.copyOf(asked);
    }
  }

  /** A guest's network on this transport, allowed any lookup, each within {@code timeout}. */
  NetworkAccess access(Duration timeout) {
    return new NetworkAccess(this, policy(timeout));
  }

  /** A policy that allows any lookup, each within {@code timeout}. */
  static NetworkPolicy policy(Duration timeout) {
    return NetworkPolicy.builder()
        .allowLookup()
        .limits(Limits.NONE.withLookupTimeout(timeout))
        .build();
  }
}
