package dev.wasisockets.gateway;

import io.netty.channel.EventLoop;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * One session's name lookups, each an {@link OffLoopLookup} on the gateway's lookup threads, at
 * most {@code max} at once. One that timed out is counted until it has really ended: the resolver
 * cannot be interrupted, so it still holds a thread or a place in the queue, and a client that
 * floods {@code resolve} (or connects by name) must not queue work without end, even at a resolver
 * that never answers. Touched on the session's event loop only.
 */
final class LookupsInFlight {
  private final int max;
  private final Executor threads;
  private final EventLoop loop;
  private final Duration timeout;
  private int inFlight;

  /** A zero {@code timeout} waits for every answer. */
  LookupsInFlight(int max, Executor threads, EventLoop loop, Duration timeout) {
    this.max = max;
    this.threads = threads;
    this.loop = loop;
    this.timeout = timeout;
  }

  /**
   * Runs {@code step} off the loop; {@code done} or {@code failed} come back on it. One over the
   * limit fails at once.
   */
  <T> void start(OffLoopLookup.Step<T> step, Consumer<T> done, Consumer<IOException> failed) {
    if (inFlight >= max) {
      failed.accept(new IOException("too many lookups in flight (" + max + ")"));
      return;
    }
    inFlight++;
    OffLoopLookup.start(threads, loop, timeout, step, done, failed, () -> inFlight--);
  }

  /** Lookups started and not yet ended; zero once every answer has been delivered. */
  int count() {
    return inFlight;
  }
}
