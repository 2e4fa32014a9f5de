package dev.wasisockets.gateway;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A name lookup (which blocks) run on the gateway's lookup threads, its answer delivered on the
 * session's event loop: the result, the failure, or a timeout when the policy limits lookup time,
 * whichever comes first, and only that one. Then, on the loop too, when the blocking step has
 * really returned (after a timeout, maybe much later: a resolver cannot be interrupted), {@code
 * ended}: until then the lookup holds a thread or a place in the queue.
 */
final class OffLoopLookup<T> {
  /** The blocking step. */
  @FunctionalInterface
  interface Step<T> {
    T run() throws IOException;
  }

  private final EventLoop loop;
  private final Consumer<T> done;
  private final Consumer<IOException> failed;
  private final Runnable ended;
  private ScheduledFuture<?> timer;
  private boolean answered; // on the loop only

  private OffLoopLookup(
      EventLoop loop, Consumer<T> done, Consumer<IOException> failed, Runnable ended) {
    this.loop = loop;
    this.done = done;
    this.failed = failed;
    this.ended = ended;
  }

  /** Starts {@code step}; called on {@code loop}. A zero {@code timeout} waits for the answer. */
  static <T> void start(
      Executor threads,
      EventLoop loop,
      Duration timeout,
      Step<T> step,
      Consumer<T> done,
      Consumer<IOException> failed,
      Runnable ended) {
    OffLoopLookup<T> lookup = new OffLoopLookup<>(loop, done, failed, ended);
    try {
      threads.execute(lookup.blocking(step));
    } catch (RejectedExecutionException e) {
      return; // the gateway is shutting down, and the session with it
    }
    if (!timeout.isZero()) {
      IOException late = new IOException("lookup timed out after " + timeout.toMillis() + " ms");
      lookup.timer =
          loop.schedule(
              () -> lookup.answer(() -> failed.accept(late)),
              timeout.toMillis(),
              TimeUnit.MILLISECONDS);
    }
  }

  private Runnable blocking(Step<T> step) {
    return () -> {
      Runnable answer;
      try {
        T result = step.run();
        answer = () -> done.accept(result);
      } catch (IOException e) {
        answer = () -> failed.accept(e);
      }
      Runnable first = answer;
      try {
        loop.execute(
            () -> {
              answer(first);
              ended.run();
            });
      } catch (RejectedExecutionException e) {
        // the session's loop is shut down: nobody is waiting
      }
    };
  }

  private void answer(Runnable answer) {
    if (answered) {
      return;
    }
    answered = true;
    if (timer != null) {
      timer.cancel(false);
    }
    answer.run();
  }
}
