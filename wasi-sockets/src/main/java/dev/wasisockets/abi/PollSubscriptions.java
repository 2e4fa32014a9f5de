package dev.wasisockets.abi;

import com.dylibso.chicory.runtime.Memory;
import dev.wasisockets.core.Errno;
import dev.wasisockets.core.ErrnoException;
import dev.wasisockets.core.Poller;
import dev.wasisockets.core.Poller.ClockKind;

/**
 * The body of {@code poll_oneoff} ({@link Preview1Poll}) and of WasmEdge's {@code epoll_oneoff}
 * ({@link WasmEdgeEpoll}): reads the guest's subscriptions (48 bytes each), hands them to the
 * {@link Poller}, which waits, and writes an event (32 bytes) for each that fired (abi.md §11).
 */
final class PollSubscriptions {
  private static final int SUBSCRIPTION_SIZE = 48;
  private static final int EVENT_SIZE = 32;
  private static final int EVENTTYPE_CLOCK = 0;
  private static final int EVENTTYPE_FD_READ = 1;
  private static final int EVENTTYPE_FD_WRITE = 2;
  private static final int CLOCK_REALTIME = 0;
  private static final int CLOCK_MONOTONIC = 1;
  private static final int SUBCLOCKFLAGS_ABSTIME = 1;

  private final Poller poller;

  PollSubscriptions(Poller poller) {
    this.poller = poller;
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
    poller.begin(nsubscriptions);
    try {
      for (int i = 0; i < nsubscriptions; i++) {
        subscribe(guest, in + i * SUBSCRIPTION_SIZE, i);
      }
      poller.await();
      int written = 0;
      for (int i = 0; i < nsubscriptions; i++) {
        if (poller.fired(i)) {
          int at = in + i * SUBSCRIPTION_SIZE;
          writeEvent(
              guest,
              out + written * EVENT_SIZE,
              guest.readI64(at),
              poller.error(i),
              type(guest, at));
          written++;
        }
      }
      guest.writeI32(neventsPtr, written);
      return Errno.SUCCESS.code();
    } finally {
      poller.end();
    }
  }

  /** Reads subscription {@code index} at {@code at}: userdata u64, tag u8, then its union. */
  private void subscribe(GuestMemory guest, int at, int index) {
    int type = type(guest, at);
    switch (type) {
      case EVENTTYPE_CLOCK -> {
        int clockId = guest.readI32(at + 16);
        ClockKind clock =
            switch (clockId) {
              case CLOCK_REALTIME -> ClockKind.REALTIME;
              case CLOCK_MONOTONIC -> ClockKind.MONOTONIC;
              default -> ClockKind.OTHER;
            };
        boolean absolute = (guest.readU16(at + 40) & SUBCLOCKFLAGS_ABSTIME) != 0;
        poller.clock(index, clock, guest.readI64(at + 24), absolute);
      }
      case EVENTTYPE_FD_READ, EVENTTYPE_FD_WRITE ->
          poller.descriptor(index, guest.readI32(at + 16), type == EVENTTYPE_FD_WRITE);
      default -> throw new ErrnoException(Errno.EINVAL, "unknown event type " + type);
    }
  }

  private static int type(GuestMemory guest, int subscription) {
    return guest.readU8(subscription + 8);
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
}
