package dev.wasisockets.core;

import dev.wasisockets.policy.HostResolver;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One guest's name lookups that must end in time. The JDK's resolver cannot be interrupted, so a
 * lookup runs on a thread of its own while the guest waits at most the timeout; one that times out
 * keeps its thread until the resolver answers. So everything is bounded: {@link #THREADS} threads
 * for every guest of the JVM, {@link #QUEUED} lookups waiting for one, and {@link #PER_GUEST}
 * lookups of one guest running or waiting, those it gave up on included. Past a bound the lookup
 * fails at once with EAGAIN (getaddrinfo's EAI_AGAIN: "try again later"): a guest that floods
 * lookups at a resolver that does not answer gets errors, not a thread per lookup.
 */
final class TimedLookups {
  /** Lookup threads shared by every guest. */
  static final int THREADS = 4;

  /** Lookups waiting for a thread, over every guest. */
  static final int QUEUED = 16;

  /** One guest's lookups not yet ended, running, waiting or given up on. */
  static final int PER_GUEST = 2;

  static final String THREAD_NAME = "wasi-sockets-lookup";

  private static final ThreadPoolExecutor SHARED =
      new ThreadPoolExecutor(
          THREADS,
          THREADS,
          0,
          TimeUnit.SECONDS,
          new ArrayBlockingQueue<>(QUEUED),
          task -> {
            Thread thread = new Thread(task, THREAD_NAME);
            thread.setDaemon(true);
            return thread;
          });

  private final AtomicInteger notEnded = new AtomicInteger();

  /**
   * {@code resolver}'s answer for {@code host} within {@code timeout}: ETIMEDOUT past it, EAGAIN
   * when a bound is reached, EINTR if the guest's thread is interrupted.
   */
  List<InetAddress> resolve(HostResolver resolver, String host, Duration timeout)
      throws IOException {
    if (notEnded.incrementAndGet() > PER_GUEST) {
      notEnded.decrementAndGet();
      throw new ErrnoException(
          Errno.EAGAIN,
          PER_GUEST + " lookups of this guest have not ended yet; not looking up " + host);
    }
    Lookup lookup = new Lookup(resolver, host);
    try {
      SHARED.execute(lookup);
    } catch (RejectedExecutionException e) {
      notEnded.decrementAndGet();
      throw new ErrnoException(
          Errno.EAGAIN, "every lookup thread is busy and " + QUEUED + " lookups wait; not " + host);
    }
    try {
      return lookup.answer.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      lookup.abandoned = true;
      throw new ErrnoException(Errno.ETIMEDOUT, "no answer for " + host + " within " + timeout);
    } catch (InterruptedException e) {
      lookup.abandoned = true;
      Thread.currentThread().interrupt();
      throw new ErrnoException(Errno.EINTR, "interrupted while looking " + host + " up");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof RuntimeException unchecked) {
        throw unchecked;
      }
      throw new IOException(e.getCause());
    }
  }

  /** One lookup on a shared thread; counted against its guest until it really ends. */
  private final class Lookup implements Runnable {
    final CompletableFuture<List<InetAddress>> answer = new CompletableFuture<>();
    private final HostResolver resolver;
    private final String host;
    volatile boolean abandoned; // the guest stopped waiting: a lookup not begun is not begun

    Lookup(HostResolver resolver, String host) {
      this.resolver = resolver;
      this.host = host;
    }

    @Override
    public void run() {
      try {
        if (!abandoned) {
          answer.complete(resolver.resolve(host));
        }
      } catch (IOException | RuntimeException e) {
        answer.completeExceptionally(e);
      } finally {
        notEnded.decrementAndGet();
      }
    }
  }
}
