package dev.wasisockets.abi;

import java.nio.ByteBuffer;

/**
 * Windows onto a {@link DirectMemory}'s bytes, through which a channel reads into or writes from
 * guest buffers in place. They are kept from call to call, so a send or receive allocates nothing
 * once a guest has settled on how many iovecs it passes: the views are made anew only when the
 * memory moved to a new buffer (it grew past its reserve), the array a send hands over only when
 * the iovec count changed.
 *
 * <p>Views of a buffer the memory has moved away from must never be used again: {@link
 * DirectMemory#grow} frees that buffer at once. Hence the identity check on every use, and no view
 * leaves the host call it was aimed for.
 */
final class MemoryViews {
  private ByteBuffer source;
  private ByteBuffer[] views = new ByteBuffer[0];
  // What a gathering write gets: exactly as many buffers as the guest's iovecs.
  private ByteBuffer[] batch = new ByteBuffer[0];

  /**
   * {@code count} views of {@code source}, for the caller to aim with {@link #aim}; valid until the
   * next call.
   */
  ByteBuffer[] of(ByteBuffer source, int count) {
    ensure(source, count);
    if (batch.length != count) {
      batch = new ByteBuffer[count];
      System.arraycopy(views, 0, batch, 0, count);
    }
    return batch;
  }

  /** One view of {@code source}, as {@link #of}, without disturbing the batch a send reuses. */
  ByteBuffer one(ByteBuffer source) {
    ensure(source, 1);
    return views[0];
  }

  private void ensure(ByteBuffer source, int count) {
    if (source != this.source) {
      this.source = source;
      views = new ByteBuffer[0];
      batch = new ByteBuffer[0];
    }
    if (views.length < count) {
      ByteBuffer[] more = new ByteBuffer[count];
      System.arraycopy(views, 0, more, 0, views.length);
      for (int i = views.length; i < count; i++) {
        more[i] = source.duplicate();
      }
      views = more;
    }
  }

  /** Points {@code view} at {@code [address, address + length)}, a range already checked. */
  static ByteBuffer aim(ByteBuffer view, int address, int length) {
    view.clear().position(address).limit(address + length);
    return view;
  }
}
