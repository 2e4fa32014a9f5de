package dev.wasisockets.core;

import java.util.Arrays;
import java.util.BitSet;
import java.util.function.Consumer;

/**
 * The guest's file descriptor numbers, for files and sockets alike.
 *
 * <p>Chicory's {@code WasiPreview1} keeps its own table private, so this one fronts it: a guest fd
 * maps either to a socket or to a Chicory fd. New descriptors get the lowest free number, as POSIX
 * {@code open} and {@code socket} do, and guests count on it (abi.md §12: preopens are found by
 * scanning up from 3).
 */
public final class DescriptorTable {
  private Descriptor[] entries = new Descriptor[16];
  private final BitSet used = new BitSet();

  /**
   * A table whose first {@code wasiDescriptors} numbers (stdio, then each preopened directory) are
   * Chicory's descriptors of the same number; 0 is standard input.
   */
  public DescriptorTable(int wasiDescriptors) {
    for (int fd = 0; fd < wasiDescriptors; fd++) {
      put(fd, new WasiDescriptor(fd, fd == 0));
    }
  }

  /** The descriptor at {@code fd}; EBADF when there is none. */
  public Descriptor get(int fd) {
    if (fd < 0 || !used.get(fd)) {
      throw new ErrnoException(Errno.EBADF, "no descriptor " + fd);
    }
    return entries[fd];
  }

  /** The socket at {@code fd}; EBADF when there is none, ENOTSOCK when it is a file. */
  public GuestSocket socket(int fd) {
    if (get(fd) instanceof GuestSocket socket) {
      return socket;
    }
    throw new ErrnoException(Errno.ENOTSOCK, "descriptor " + fd + " is not a socket");
  }

  /** Adds {@code descriptor} at the lowest free number and returns that number. */
  public int add(Descriptor descriptor) {
    int fd = used.nextClearBit(0);
    put(fd, descriptor);
    return fd;
  }

  /**
   * Adds {@code descriptor} at {@code preferred} if that number is free, else at the lowest free
   * number. Chicory's descriptors keep their own number where they can, so guest and Chicory
   * numbers agree in the common case.
   */
  public int add(Descriptor descriptor, int preferred) {
    if (preferred >= 0 && !used.get(preferred)) {
      put(preferred, descriptor);
      return preferred;
    }
    return add(descriptor);
  }

  /** Puts {@code descriptor} in place of the one at {@code fd}; EBADF when there is none. */
  public void replace(int fd, Descriptor descriptor) {
    get(fd);
    put(fd, descriptor);
  }

  /** Removes and returns the descriptor at {@code fd}; EBADF when there is none. */
  public Descriptor remove(int fd) {
    Descriptor removed = get(fd);
    entries[fd] = null;
    used.clear(fd);
    return removed;
  }

  /** Calls {@code action} for every socket in the table. */
  public void forEachSocket(Consumer<GuestSocket> action) {
    for (int fd = used.nextSetBit(0); fd >= 0; fd = used.nextSetBit(fd + 1)) {
      if (entries[fd] instanceof GuestSocket socket) {
        action.accept(socket);
      }
    }
  }

  /** How many descriptors are open. */
  public int size() {
    return used.cardinality();
  }

  private void put(int fd, Descriptor descriptor) {
    if (fd >= entries.length) {
      entries = Arrays.copyOf(entries, Math.max(entries.length * 2, fd + 1));
    }
    entries[fd] = descriptor;
    used.set(fd);
    if (descriptor instanceof GuestSocket socket) {
      socket.numbered(fd); // its events name it by the guest's number
    }
  }
}
