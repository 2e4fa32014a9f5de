package dev.wasisockets.core;

import java.nio.ByteBuffer;

/**
 * Where a receive puts the bytes it gets: the guest's buffers, as the adapter that decoded them
 * sees them. Either it offers them in place, a piece at a time, for the socket to read straight
 * into, or the receive reads into a buffer of its own and has them copied in.
 */
public interface ReceiveTarget {
  /** How many bytes the buffers take in all. */
  long capacity();

  /**
   * The buffers from byte {@code offset} on (less than {@link #capacity}) up to the end of the one
   * it falls in, to read into in place; null if they are not in a memory a socket can read into.
   */
  ByteBuffer inPlace(long offset);

  /** Copies {@code length} bytes of {@code bytes} into the buffers, from byte {@code offset} on. */
  void copyIn(long offset, byte[] bytes, int length);
}
