package dev.wasisockets.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.policy.Limits;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.wasmnet.NettyLeakCheck;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.Request;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NettyLeakCheck.class)
class GatewayResolveTest {
  private WasmnetGateway gateway;

  @BeforeEach
  void start() throws Exception {
    gateway =
        TestGateways.onLoopback()
            .policy(
                NetworkPolicy.builder()
                    .allow(NetworkUse.LOOKUP, "*.test")
                    .allow(NetworkUse.TCP_CONNECT, "*")
                    .build())
            .resolver(
                name -> {
                  if (!name.equals("two.test")) {
                    throw new UnknownHostException(name);
                  }
                  return List.of(
                      InetAddress.getByName("192.0.2.7"),
                      InetAddress.getByName("2001:db8:0:0:0:0:0:1"));
                })
            .build()
            .start();
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  @Test
  void resolveAnswersEveryAddressInCanonicalForm() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendText("{\"op\":\"resolve\",\"id\":4,\"name\":\"two.test\"}");
      assertThat(client.next())
          .isEqualTo(new Event.Resolved(4, List.of("192.0.2.7", "2001:db8::1")));

      client.sendBinary(new Request.Resolve(5, "two.test"));
      assertThat(client.next())
          .isEqualTo(new Event.Resolved(5, List.of("192.0.2.7", "2001:db8::1")));
    }
  }

  @Test
  void anUnknownNameIsAnError() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Resolve(4, "none.test"));

      assertThat(client.next())
          .isEqualTo(new Event.Error(4, "cannot resolve none.test: none.test"));
    }
  }

  @Test
  void aLookupLongerThanThePolicysLimitIsAnError() throws Exception {
    gateway.close();
    CountDownLatch never = new CountDownLatch(1);
    gateway =
        TestGateways.onLoopback()
            .policy(
                NetworkPolicy.builder()
                    .allowAll()
                    .limits(Limits.NONE.withLookupTimeout(Duration.ofMillis(50)))
                    .build())
            .resolver(
                name -> {
                  try {
                    never.await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  throw new UnknownHostException(name);
                })
            .build()
            .start();
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Resolve(4, "slow.test"));
      assertThat(client.next())
          .isEqualTo(new Event.Error(4, "cannot resolve slow.test: lookup timed out after 50 ms"));

      client.sendJson(new Request.Connect(5, "slow.test", 80));
      assertThat(client.next())
          .isEqualTo(new Event.Error(5, "cannot resolve slow.test: lookup timed out after 50 ms"));
    } finally {
      never.countDown();
    }
  }

  @Test
  void aSessionHasAtMost64LookupsInFlight() throws Exception {
    gateway.close();
    CountDownLatch release = new CountDownLatch(1);
    gateway =
        TestGateways.onLoopback()
            .policy(NetworkPolicy.builder().allowAll().build())
            .resolver(
                name -> {
                  try {
                    release.await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  return List.of(InetAddress.getByName("192.0.2.7"));
                })
            .build()
            .start();
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      int limit = GatewaySession.MAX_LOOKUPS_IN_FLIGHT;
      for (int id = 1; id <= limit + 1; id++) {
        client.sendJson(new Request.Resolve(id, "held.test"));
      }
      // The one past the limit is refused at once; the others wait for the resolver.
      assertThat(client.next())
          .isEqualTo(
              new Event.Error(
                  limit + 1, "cannot resolve held.test: too many lookups in flight (64)"));

      release.countDown();
      for (int i = 0; i < limit; i++) {
        assertThat(client.next()).isInstanceOf(Event.Resolved.class);
      }
      client.sendJson(new Request.Resolve(100, "held.test"));
      assertThat(client.next()).isEqualTo(new Event.Resolved(100, List.of("192.0.2.7")));
    } finally {
      release.countDown();
    }
  }

  @Test
  void aLookupThatTimedOutCountsAgainstTheSessionUntilTheResolverReallyEnds() throws Exception {
    // The resolver cannot be interrupted: a lookup that timed out still holds a lookup thread or
    // a place in its queue. Counted until it ends, a session cannot pile them up without end.
    gateway.close();
    CountDownLatch release = new CountDownLatch(1);
    gateway =
        TestGateways.onLoopback()
            .policy(
                NetworkPolicy.builder()
                    .allowAll()
                    .limits(Limits.NONE.withLookupTimeout(Duration.ofMillis(20)))
                    .build())
            .resolver(
                name -> {
                  boolean released = false;
                  while (!released) {
                    try {
                      release.await();
                      released = true;
                    } catch (InterruptedException e) {
                      // not interruptible, as the JDK's resolver
                    }
                  }
                  return List.of(InetAddress.getByName("192.0.2.7"));
                })
            .build()
            .start();
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      int limit = GatewaySession.MAX_LOOKUPS_IN_FLIGHT;
      for (int id = 1; id <= limit; id++) {
        client.sendJson(new Request.Resolve(id, "hung.test"));
      }
      for (int i = 0; i < limit; i++) {
        assertThat(client.next()).isInstanceOf(Event.Error.class);
      }

      client.sendJson(new Request.Resolve(limit + 1, "hung.test"));
      assertThat(client.next())
          .isEqualTo(
              new Event.Error(
                  limit + 1, "cannot resolve hung.test: too many lookups in flight (64)"));

      // Once the resolver answers, the lookups end and the session may look names up again.
      release.countDown();
      Event answer = null;
      for (int id = 1000; id < 2000 && !(answer instanceof Event.Resolved); id++) {
        client.sendJson(new Request.Resolve(id, "hung.test"));
        answer = client.next();
      }
      assertThat(answer).isInstanceOf(Event.Resolved.class);
    } finally {
      release.countDown();
    }
  }

  @Test
  void aLookupThePolicyRefusesIsDenied() throws Exception {
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendJson(new Request.Resolve(4, "example.com"));

      assertThat(client.next())
          .isEqualTo(
              new Event.Denied(
                  4, "name lookup of example.com denied by policy (rule: default deny)"));
    }
  }
}
