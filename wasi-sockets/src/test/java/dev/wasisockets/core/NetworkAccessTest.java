package dev.wasisockets.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasisockets.policy.Limits;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.transport.ReadinessSet;
import dev.wasisockets.transport.TcpChannel;
import dev.wasisockets.transport.TcpListenerChannel;
import dev.wasisockets.transport.Transport;
import dev.wasisockets.transport.UdpChannel;
import dev.wasisockets.transport.direct.DirectTransport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class NetworkAccessTest {

  @Test
  void aBacklogIsCutDownToThePendingAcceptLimit() {
    NetworkAccess limited = access(new DirectTransport(), Limits.NONE.withMaxPendingAccepts(16));
    NetworkAccess unlimited = access(new DirectTransport(), Limits.NONE);

    assertThat(limited.backlog(128)).isEqualTo(16);
    assertThat(limited.backlog(0)).isEqualTo(16);
    assertThat(limited.backlog(4)).isEqualTo(4);
    assertThat(unlimited.backlog(128)).isEqualTo(128);
  }

  @Test
  void aLookupThatDoesNotAnswerInTimeIsEtimedout() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    Transport silentResolver =
        new DelegatingTransport(new DirectTransport()) {
          @Override
          public List<InetAddress> resolve(String host) throws IOException {
            try {
              never.await(); // a resolver that never answers
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            throw new IOException("interrupted");
          }
        };
    NetworkAccess access =
        new NetworkAccess(
            silentResolver,
            NetworkPolicy.builder()
                .allowLookup()
                .limits(Limits.NONE.withLookupTimeout(Duration.ofMillis(100)))
                .build());

    assertThatThrownBy(() -> access.lookup("example.com"))
        .isInstanceOfSatisfying(
            ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ETIMEDOUT));
  }

  private static NetworkAccess access(Transport transport, Limits limits) {
    return new NetworkAccess(transport, NetworkPolicy.builder().limits(limits).build());
  }

  /** A transport that passes everything to another; tests override what they fake. */
  private static class DelegatingTransport implements Transport {
    private final Transport inner;

    DelegatingTransport(Transport inner) {
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
}
