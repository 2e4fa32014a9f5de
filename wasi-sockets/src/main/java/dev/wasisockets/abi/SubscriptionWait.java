package dev.wasisockets.abi;

import com.dylibso.chicory.runtime.Memory;
import dev.wasisockets.core.Descriptor;
import dev.wasisockets.core.DescriptorTable;
import dev.wasisockets.core.Errno;
import dev.wasisockets.core.ErrnoException;
import dev.wasisockets.core.GuestSocket;
import dev.wasisockets.core.SocketContext;
import dev.wasisockets.core.WasiDescriptor;
import dev.wasisockets.transport.ReadinessSet;
import dev.wasisockets.transport.Transport;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Waits on sockets, files and clocks in one call, on the guest's own thread (abi.md §11): the body
 * of {@code poll_oneoff} ({@link Preview1Poll}) and of WasmEdge's {@code epoll_oneoff} ({@link
 * WasmEdgeEpoll}).
 *
 * <p>Level-triggered by default, as every preview 1 guest expects: a condition that holds is
 * reported each time. Edge-triggered for epoll: a socket's readiness is reported once, and again
 * only after a call has seen it not ready (the guest drained it, or filled its send buffer); a
 * condition already reported is left out of the wait, so an always-writable socket does not wake
 * the guest in a loop. Files, stdout and stderr are always ready (as regular files are to POSIX
 * poll); stdin is readable when its stream says so ({@link StdinReadiness}), looked at again every
 * {@link StdinReadiness#RECHECK_NANOS} while the wait goes on, since a JDK stream cannot be waited
 * on with the sockets. A problem with one subscription (an unknown descriptor) is reported in its
 * event's error field, never as the function's errno: Go's runtime throws on any errno here but
 * EINTR.
 */
final class SubscriptionWait {
  private static final int SUBSCRIPTION_SIZE = 48;
  private static final int EVENT_SIZE = 32;
  private static final int EVENTTYPE_CLOCK = 0;
  private static final int EVENTTYPE_FD_READ = 1;
  private static final int EVENTTYPE_FD_WRITE = 2;
  private static final int CLOCK_REALTIME = 0;
  private static final int CLOCK_MONOTONIC = 1;
  private static final int SUBCLOCKFLAGS_ABSTIME = 1;
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
  // (System.nanoTime based; NO_DEADLINE: none), the error of an event due at once (-1: none), and
  // whether it reads stdin (its immediateError is then looked at again before every wait).
  private int[] waitIndex = new int[8];
  private long[] deadline = new long[8];
  private int[] immediateError = new int[8];
  private boolean[] readsStdin = new boolean[8];
  private int stdinSubscriptions;

  SubscriptionWait(
      SocketContext context, Clock realtime, StdinReadiness stdin, boolean edgeTriggered) {
    this.descriptors = context.descriptors();
    this.transport = context.network().transport();
    this.realtime = realtime;
    this.stdin = stdin;
    this.edgeTriggered = edgeTriggered;
  }

  /** {@code (in, out, nsubscriptions, *nevents) -> errno}, as poll_oneoff. */
  int poll(Memory memory, int in, int out, int nsubscriptions, int neventsPtr) {
    GuestMemory guest = new GuestMemory(memory);
    if (nsubscriptions <= 0) {
      throw new ErrnoException(Errno.EINVAL, "no subscriptions");
    }
    guest.check(in, (long) nsubscriptions * SUBSCRIPTION_SIZE);
    guest.check(out, (long) nsubscriptions * EVENT_SIZE);
    guest.check(neventsPtr, 4);
    grow(nsubscriptions);
    waits.clear();
    stdinSubscriptions = 0;
    try {
      long now = System.nanoTime();
      long earliest = NO_DEADLINE;
      boolean anyImmediate = false;
      for (int i = 0; i < nsubscriptions; i++) {
        subscribe(guest, in + i * SUBSCRIPTION_SIZE, i, now);
        earliest = Math.min(earliest, deadline[i]);
        anyImmediate |= immediateError[i] >= 0;
      }
      int written = 0;
      while (written == 0) {
        boolean stdinReady = stdinSubscriptions > 0 && checkStdin(nsubscriptions);
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
        boolean anySuppressed = edgeTriggered && applyEdges(nsubscriptions);
        written = writeEvents(guest, in, out, nsubscriptions, System.nanoTime());
        if (written == 0 && anySuppressed) {
          rebuildWaits(nsubscriptions); // wait only for what has not been reported yet
        }
      }
      guest.writeI32(neventsPtr, written);
      return Errno.SUCCESS.code();
    } finally {
      waits.clear();
    }
  }

  /** Reads subscription {@code index} at {@code at} and records what it waits for. */
  private void subscribe(GuestMemory guest, int at, int index, long now) {
    socketOf[index] = null;
    suppressed[index] = false;
    waitIndex[index] = -1;
    deadline[index] = NO_DEADLINE;
    immediateError[index] = -1;
    readsStdin[index] = false;
    int type = guest.readU8(at + 8);
    switch (type) {
      case EVENTTYPE_CLOCK -> {
        int clockId = guest.readI32(at + 16);
        long timeout = guest.readI64(at + 24);
        boolean absolute = (guest.readU16(at + 40) & SUBCLOCKFLAGS_ABSTIME) != 0;
        long clockNow;
        if (!absolute) {
          clockNow = 0;
        } else if (clockId == CLOCK_MONOTONIC) {
          clockNow = now;
        } else if (clockId == CLOCK_REALTIME) {
          Instant at0 = realtime.instant();
          clockNow = at0.getEpochSecond() * 1_000_000_000L + at0.getNano();
        } else {
          immediateError[index] = Errno.EINVAL.code(); // no absolute CPU-time deadlines
          return;
        }
        // Timestamps are unsigned nanoseconds: u64::MAX, relative or absolute, is "never" (not -1,
        // which would be due at once), and an absolute time already past is due now.
        long wait = Long.compareUnsigned(timeout, clockNow) <= 0 ? 0 : timeout - clockNow;
        boolean practicallyNever = wait < 0 || now + wait < now; // past a long: centuries
        deadline[index] = practicallyNever ? NO_DEADLINE : now + wait;
      }
      case EVENTTYPE_FD_READ, EVENTTYPE_FD_WRITE -> {
        int fd = guest.readI32(at + 16);
        Descriptor descriptor;
        try {
          descriptor = descriptors.get(fd);
        } catch (ErrnoException e) {
          immediateError[index] = e.errno().code();
          return;
        }
        if (descriptor instanceof WasiDescriptor file
            && file.stdin()
            && type == EVENTTYPE_FD_READ) {
          readsStdin[index] = true; // ready or not: checkStdin
          stdinSubscriptions++;
          return;
        }
        if (!(descriptor instanceof GuestSocket socket)) {
          immediateError[index] = Errno.SUCCESS.code(); // files, stdout, stderr: always ready
          return;
        }
        int interest = socket.pollInterest(type == EVENTTYPE_FD_WRITE);
        if (interest == GuestSocket.READY_NOW) {
          immediateError[index] = Errno.SUCCESS.code();
        } else if (interest != GuestSocket.NEVER) {
          socketOf[index] = socket;
          interestOf[index] = interest;
          waitIndex[index] = waits.add(socket.channel(), interest);
        }
      }
      default -> throw new ErrnoException(Errno.EINVAL, "unknown event type " + type);
    }
  }

  /**
   * Asks stdin whether it is readable, for every subscription that reads it: its event is due at
   * once when it is. Returns whether it is.
   */
  private boolean checkStdin(int count) {
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
  private boolean applyEdges(int count) {
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
  private void rebuildWaits(int count) {
    waits.clear();
    for (int i = 0; i < count; i++) {
      waitIndex[i] =
          socketOf[i] == null || suppressed[i]
              ? -1
              : waits.add(socketOf[i].channel(), interestOf[i]);
    }
  }

  /** Writes one event per subscription that fired; returns how many. */
  private int writeEvents(GuestMemory guest, int in, int out, int count, long now) {
    int written = 0;
    for (int i = 0; i < count; i++) {
      boolean fired =
          immediateError[i] >= 0
              || (waitIndex[i] >= 0 && !suppressed[i] && waits.ready(waitIndex[i]) != 0)
              || deadline[i] <= now;
      if (fired) {
        int at = in + i * SUBSCRIPTION_SIZE;
        int type = guest.readU8(at + 8);
        writeEvent(
            guest,
            out + written * EVENT_SIZE,
            guest.readI64(at),
            Math.max(immediateError[i], 0),
            type);
        written++;
      }
    }
    return written;
  }

  private static void writeEvent(GuestMemory guest, int at, long userdata, int error, int type) {
    guest.writeI64(at, userdata);
    guest.writeU16(at + 8, error);
    guest.writeU8(at + 10, type);
    guest.writeU8(at + 11, 0);
    guest.writeI32(at + 12, 0);
    guest.writeI64(at + 16, 0); // nbytes: unknown, as wasi-go reports
    guest.writeI64(at + 24, 0); // flags (u16) and padding
  }

  private void grow(int count) {
    if (waitIndex.length < count) {
      waitIndex = Arrays.copyOf(waitIndex, count);
      deadline = Arrays.copyOf(deadline, count);
      immediateError = Arrays.copyOf(immediateError, count);
      readsStdin = Arrays.copyOf(readsStdin, count);
      socketOf = Arrays.copyOf(socketOf, count);
      interestOf = Arrays.copyOf(interestOf, count);
      suppressed = Arrays.copyOf(suppressed, count);
    }
  }
}
