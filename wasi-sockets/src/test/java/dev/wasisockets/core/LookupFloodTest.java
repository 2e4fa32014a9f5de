package dev.wasisockets.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.GuestRun;
import dev.wasisockets.GuestRun.Mode;
import dev.wasisockets.GuestRun.Result;
import dev.wasisockets.fixtures.GuestFixture;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Guests flooding name lookups at a resolver that does not answer (and cannot be interrupted, as
 * the JDK's): a few threads in all, a few lookups per guest, and EAGAIN (EAI_AGAIN) past that.
 */
class LookupFloodTest {
  private static final int GUESTS = 40;
  private static final int LOOKUPS_EACH = 5;
  private static final int EAI_AGAIN = 78;

  @Test
  @Timeout(60)
  void aFloodOfLookupsUsesAFewThreadsAndGetsEagainPastItsBounds() throws Exception {
    BlockingResolver resolver = new BlockingResolver();
    List<Errno> results = new ArrayList<>();
    try {
      for (int guest = 0; guest < GUESTS; guest++) {
        NetworkAccess access = resolver.access(Duration.ofMillis(20));
        for (int i = 0; i < LOOKUPS_EACH; i++) {
          results.add(errnoOf(access, "name" + i + ".guest" + guest + ".example"));
        }
        assertThat(lookupThreads()).isLessThanOrEqualTo(TimedLookups.THREADS);
      }
      assertThat(resolver.asked()).hasSizeLessThanOrEqualTo(TimedLookups.THREADS);
    } finally {
      resolver.release();
    }

    assertThat(results).containsOnly(Errno.ETIMEDOUT, Errno.EAGAIN);
    // A guest's lookups past the ones it has not seen end are refused before they queue.
    assertThat(results.subList(0, LOOKUPS_EACH))
        .containsExactly(
            Errno.ETIMEDOUT, Errno.ETIMEDOUT, Errno.EAGAIN, Errno.EAGAIN, Errno.EAGAIN);
    assertThat(results.stream().filter(Errno.EAGAIN::equals).count())
        .isGreaterThanOrEqualTo((long) GUESTS * (LOOKUPS_EACH - TimedLookups.PER_GUEST));
    // Once the resolver answers, the threads and the queue drain and lookups work again (the
    // draining takes a moment: until then a lookup is still refused at once).
    assertThat(lookupOnceDrained(resolver.access(Duration.ofSeconds(30)), "after.example"))
        .containsExactly(InetAddress.getLoopbackAddress());
    assertThat(lookupThreads()).isLessThanOrEqualTo(TimedLookups.THREADS);
  }

  @Test
  @Timeout(60)
  void aRealGuestWhoseLookupFindsEveryThreadBusyGetsEaiAgainWithoutWaiting() throws Exception {
    BlockingResolver resolver = new BlockingResolver();
    try {
      // Other guests' lookups hold every thread and every place in the queue.
      int held = 0;
      while (held < TimedLookups.THREADS + TimedLookups.QUEUED) {
        NetworkAccess other = resolver.access(Duration.ofMillis(20));
        for (int i = 0; i < TimedLookups.PER_GUEST; i++, held++) {
          assertThat(errnoOf(other, "held" + held + ".example")).isEqualTo(Errno.ETIMEDOUT);
        }
      }

      Result result =
          GuestRun.run(
              GuestFixture.WASMEDGE_LOOKUP_CLIENT.bytes(),
              Mode.INTERPRETER,
              BlockingResolver.policy(Duration.ofSeconds(5)),
              resolver,
              "flood.example",
              "80",
              "hello");

      assertThat(result.exitCode()).isEqualTo(EAI_AGAIN);
      assertThat(result.stderr()).isEqualTo("sock_getaddrinfo failed: errno 78\n");
      assertThat(resolver.asked()).doesNotContain("flood.example");
    } finally {
      resolver.release();
    }
  }

  private static Errno errnoOf(NetworkAccess access, String name) {
    try {
      access.lookup(name);
      return Errno.SUCCESS;
    } catch (ErrnoException e) {
      return e.errno();
    }
  }

  /** The lookup's answer, asked again while the threads are still busy (EAGAIN); at most 10 s. */
  private static List<InetAddress> lookupOnceDrained(NetworkAccess access, String name)
      throws InterruptedException {
    for (int tries = 1; ; tries++) {
      try {
        return access.lookup(name);
      } catch (ErrnoException e) {
        if (e.errno() != Errno.EAGAIN || tries == 1_000) {
          throw e;
        }
        Thread.sleep(10);
      }
    }
  }

  private static long lookupThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(thread -> thread.getName().equals(TimedLookups.THREAD_NAME) && thread.isAlive())
        .count();
  }
}
