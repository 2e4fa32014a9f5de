package dev.wasisockets.core;

import dev.wasisockets.transport.ReadinessSet;
import dev.wasisockets.transport.Transport;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Waits on sockets, files and clocks in one call, on the guest's own thread (abi.md §11): the wait
 * behind {@code poll_oneoff} and WasmEdge's {@code epoll_oneoff}. The adapter reads each
 * subscription from guest memory and hands it over ({@link #clock}, {@link #descriptor}), {@link
 * #await}s, then writes an event for each subscription that {@link #fired}.
 *
 * <p>Level-triggered by default, as every preview 1 guest expects: a condition that holds is
 * reported each time. Edge-triggered for epoll: a socket's readiness is reported once, and again
 * only after a call has seen it not ready (the guest drained it, or filled its send buffer); a
 * condition already reported is left out of the wait, so an always-writable socket does not wake
 * the guest in a loop. Files, stdout and stderr are always ready (as regular files are to POSIX
 * poll); stdin is readable when its stream says so ({@link StdinReadiness}), looked at again every
 * {@link StdinReadiness#RECHECK_NANOS} while the wait goes on, since a JDK stream cannot be waited
 * on with the sockets. A problem with one subscription (an unknown descriptor) is reported in its
 * event's error, never as the call's errno: Go's runtime throws on any errno here but EINTR.
 *
 * <p>One per guest instance and poll function; one call at a time.
 */
public final class Poller {
  /** Which clock a clock subscription counts on. */
  public enum ClockKind {
    MONOTONIC,
    REALTIME,
    /** A CPU-time clock, or any clock not named above: relative timeouts only. */
    OTHER
  }

  private static final long NO_DEADLINE = Long.MAX_VALUE;

  private final DescriptorTable descriptors;
  private final Transport transport;
  private final Clock realtime;
  private final StdinReadiness stdin;
  private final boolean edgeTriggered;
  private final ReadinessSet waits = new ReadinessSet();
  // Edge-triggered only: the readiness bits last reported per socket (weak: closed sockets go).
  private final Map<GuestSocket, Integer> reported = new WeakHashMap<>();
  private GuestSocket[] socketOf = new GuestSocket[8];
  private int[] interestOf = new int[8];
  private boolean[] suppressed = new boolean[8];
  // Per subscription of the current call: its index in `waits` (-1: none), its clock deadline
  // (System.nanoTime based; NO_DEADLINE: none), the error of an event due at once (-1: none),
  // whether it reads stdin (its immediateError is then looked at again before every wait), and
  // whether it fired in the wait that ended the call.
  private int[] waitIndex = new int[8];
  private long[] deadline = new long[8];
  private int[] immediateError = new int[8];
  private boolean[] readsStdin = new boolean[8];
  private boolean[] fired = new boolean[8];
  private int count;
  private int stdinSubscriptions;
  private long start;

  public Poller(
      SocketContext context, Clock realtime, StdinReadiness stdin, boolean edgeTriggered) {
    this.descriptors = context.descriptors();
    this.transport = context.network().transport();
    this.realtime = realtime;
    this.stdin = stdin;
    this.edgeTriggered = edgeTriggered;
  }

  /** Starts a call of {@code count} subscriptions (at least one); end it with {@link #end}. */
  public void begin(int count) {
    grow(count);
    this.count = count;
    waits.clear();
    stdinSubscriptions = 0;
    start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      socketOf[i] = null;
      suppressed[i] = false;
      waitIndex[i] = -1;
      deadline[i] = NO_DEADLINE;
      immediateError[i] = -1;
      readsStdin[i] = false;
      fired[i] = false;
    }
  }

  /**
   * Subscription {@code index} fires when {@code timeout} nanoseconds have passed, or, when {@code
   * absolute}, when the clock reads {@code timeout}. Timestamps are unsigned: u64::MAX, relative or
   * absolute, is never (not -1, which would be due at once), and an absolute time already past is
   * due now. An absolute deadline on {@link ClockKind#OTHER} is an EINVAL event.
   */
  public void clock(int index, ClockKind clock, long timeout, boolean absolute) {
    long clockNow;
    if (!absolute) {
      clockNow = 0;
    } else if (clock == ClockKind.MONOTONIC) {
      clockNow = start;
    } else if (clock == ClockKind.REALTIME) {
      Instant now = realtime.instant();
      clockNow = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    } else {
      immediateError[index] = Errno.EINVAL.code();
      return;
    }
    long wait = Long.compareUnsigned(timeout, clockNow) <= 0 ? 0 : timeout - clockNow;
    boolean practicallyNever = wait < 0 || start + wait < start; // past a long: centuries
    deadline[index] = practicallyNever ? NO_DEADLINE : start + wait;
  }

  /** Subscription {@code index} fires when descriptor {@code fd} can be read (or written). */
  public void descriptor(int index, int fd, boolean write) {
    Descriptor descriptor;
    try {
      descriptor = descriptors.get(fd);
    } catch (ErrnoException e) {
      immediateError[index] = e.errno().code();
      return;
    }
    if (descriptor instanceof WasiDescriptor file && file.stdin() && !write) {
      readsStdin[index] = true; // ready or not: checkStdin
      stdinSubscriptions++;
      return;
    }
    if (!(descriptor instanceof GuestSocket socket)) {
      immediateError[index] = Errno.SUCCESS.code(); // files, stdout, stderr: always ready
      return;
    }
    int interest = socket.pollInterest(write);
    if (interest == GuestSocket.READY_NOW) {
      immediateError[index] = Errno.SUCCESS.code();
    } else if (interest != GuestSocket.NEVER) {
      socketOf[index] = socket;
      interestOf[index] = interest;
      waitIndex[index] = waits.add(socket.channel(), interest);
    }
  }

  /** Waits until at least one subscription fires; returns how many did. */
  public int await() {
    long earliest = NO_DEADLINE;
    boolean anyImmediate = false;
    for (int i = 0; i < count; i++) {
      earliest = Math.min(earliest, deadline[i]);
      anyImmediate |= immediateError[i] >= 0;
    }
    int firing = 0;
    while (firing == 0) {
      boolean stdinReady = stdinSubscriptions > 0 && checkStdin();
      long timeout;
      if (anyImmediate || stdinReady) {
        timeout = 0;
      } else if (earliest == NO_DEADLINE) {
        timeout = -1;
      } else {
        timeout = Math.max(0, earliest - System.nanoTime());
      }
      if (stdinSubscriptions > 0 && (timeout < 0 || timeout > StdinReadiness.RECHECK_NANOS)) {
        timeout = StdinReadiness.RECHECK_NANOS; // then look at stdin again
      }
      try {
        transport.await(waits, timeout);
      } catch (IOException e) {
        throw ErrnoException.of(e);
      }
      boolean anySuppressed = edgeTriggered && applyEdges();
      firing = markFired(System.nanoTime());
      if (firing == 0 && anySuppressed) {
        rebuildWaits(); // wait only for what has not been reported yet
      }
    }
    return firing;
  }

  /** Whether subscription {@code index} fired in the last {@link #await}. */
  public boolean fired(int index) {
    return fired[index];
  }

  /** The errno code of fired subscription {@code index}'s event: 0, or what went wrong with it. */
  public int error(int index) {
    return Math.max(immediateError[index], 0);
  }

  /** Ends the call: the wait set lets go of the sockets. */
  public void end() {
    waits.clear();
  }

  /**
   * Asks stdin whether it is readable, for every subscription that reads it: its event is due at
   * once when it is. Returns whether it is.
   */
  private boolean checkStdin() {
    int state = stdin.check();
    for (int i = 0; i < count; i++) {
      if (readsStdin[i]) {
        immediateError[i] = state;
      }
    }
    return state != StdinReadiness.NOT_READY;
  }

  /**
   * Edge-triggered filtering after a wait: a socket condition already reported and still holding is
   * suppressed; one that no longer holds is forgotten, so it is reported when it holds again.
   * Returns whether anything was suppressed.
   */
  private boolean applyEdges() {
    boolean any = false;
    for (int i = 0; i < count; i++) {
      if (socketOf[i] == null || waitIndex[i] < 0) {
        continue;
      }
      int bit = interestOf[i];
      int before = reported.getOrDefault(socketOf[i], 0);
      if (waits.ready(waitIndex[i]) != 0) {
        if ((before & bit) != 0) {
          suppressed[i] = true;
          any = true;
        } else {
          reported.put(socketOf[i], before | bit);
        }
      } else {
        reported.put(socketOf[i], before & ~bit);
      }
    }
    return any;
  }

  /** The wait set again, without the suppressed subscriptions. */
  private void rebuildWaits() {
    waits.clear();
    for (int i = 0; i < count; i++) {
      waitIndex[i] =
          socketOf[i] == null || suppressed[i]
              ? -1
              : waits.add(socketOf[i].channel(), interestOf[i]);
    }
  }

  /** Marks the subscriptions that fired by {@code now}; returns how many. */
  private int markFired(long now) {
    int firing = 0;
    for (int i = 0; i < count; i++) {
      fired[i] =
          immediateError[i] >= 0
              || (waitIndex[i] >= 0 && !suppressed[i] && waits.ready(waitIndex[i]) != 0)
              || deadline[i] <= now;
      if (fired[i]) {
        firing++;
      }
    }
    return firing;
  }

  private void grow(int count) {
    if (waitIndex.length < count) {
      waitIndex = Arrays.copyOf(waitIndex, count);
      deadline = Arrays.copyOf(deadline, count);
      immediateError = Arrays.copyOf(immediateError, count);
      readsStdin = Arrays.copyOf(readsStdin, count);
      fired = Arrays.copyOf(fired, count);
      socketOf = Arrays.copyOf(socketOf, count);
      interestOf = Arrays.copyOf(interestOf, count);
      suppressed = Arrays.copyOf(suppressed, count);
    }
  }
}
