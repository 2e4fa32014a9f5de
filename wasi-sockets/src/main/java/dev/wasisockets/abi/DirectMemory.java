package dev.wasisockets.abi;

import com.dylibso.chicory.runtime.ConstantEvaluators;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.PassiveDataSegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A guest's linear memory as one direct {@link ByteBuffer}, so that socket reads and writes hand
 * the kernel views of guest memory and nothing is copied on the way (DESIGN.md §5); Chicory's own
 * memory keeps heap pages, which the JDK copies once more into a direct buffer of its own.
 *
 * <p>The buffer's limit is the memory's size, so every access past it fails inside the buffer and
 * becomes Chicory's out-of-bounds trap. Its capacity runs ahead of the size (doubling, up to the
 * maximum) so that growing rarely reallocates; a reallocation copies the memory into a new buffer.
 * When the JVM cannot back the capacity ahead, the grow takes the exact size, and reserves less
 * ahead from then on; when it cannot back even that, {@code memory.grow} is -1, as a guest expects
 * of a host out of memory. The old buffer is freed at once (see {@link #grow}).
 *
 * <p>Only for unshared memories: one thread uses it, and it cannot wait or notify.
 */
public final class DirectMemory implements Memory {
  /** How far the reserve ahead may shrink after failures: to a 1/2^16 of the capacity, then 0. */
  private static final int MAX_RESERVE_SHIFT = 16;

  private final MemoryLimits limits;
  private ByteBuffer bytes;
  private int pages;
  private DataSegment[] dataSegments = new DataSegment[0];
  // The capacity reserved ahead at a reallocation is the old capacity >> reserveShift: doubling
  // (0) until the JVM could not back that, then half as much after each such failure, because a
  // failed direct allocation costs the JDK's retries (about half a second) every time.
  private int reserveShift;

  public DirectMemory(MemoryLimits limits) {
    if (limits.shared()) {
      throw new IllegalArgumentException(
          "a shared memory (WebAssembly threads) is not supported: this host's WASI, sockets and"
              + " guest memory serve one thread");
    }
    if (limits.initialPages() > Math.min(limits.maximumPages(), RUNTIME_MAX_PAGES)) {
      throw new UninstantiableException("memory of " + limits.initialPages() + " pages is too big");
    }
    this.limits = limits;
    this.pages = limits.initialPages();
    int size = Memory.bytes(pages);
    try {
      this.bytes = allocate(size).limit(size);
    } catch (OutOfMemoryError e) {
      throw new UninstantiableException(
          "cannot back a memory of "
              + pages
              + " pages: the JVM's direct memory is exhausted (-XX:MaxDirectMemorySize)");
    }
  }

  /**
   * The memory's bytes, position 0 and limit its size. Valid until the next {@link #grow}, which
   * may move them to a new buffer.
   */
  ByteBuffer buffer() {
    return bytes;
  }

  @Override
  public int pages() {
    return pages;
  }

  /**
   * {@code memory.grow}: the previous size in pages, or -1 past the maximum or when the JVM cannot
   * back the new size.
   *
   * <p>A reallocation frees the old buffer at once rather than leave it to the collector, which may
   * not run before the next grow needs the room (and the JDK's own {@code System.gc()} when direct
   * memory runs out does nothing under {@code -XX:+DisableExplicitGC}). Freeing a buffer that a
   * view still points into would let that view read and write freed memory, so this relies on what
   * holds views of it: {@link MemoryViews} only, which compares the buffer it is given with the one
   * its views come from on every use and makes new ones when it changed; a view lives within one
   * host call, on the guest's thread, where no grow can happen (host functions never grow memory,
   * and a transport is done with a view when the call returns: the direct one hands it to the
   * kernel, the wasmnet one copies); and {@link #buffer} is not public. An embedder that calls into
   * one instance from two threads at once (unsupported) could still meet a freed buffer.
   */
  @Override
  public int grow(int delta) {
    int previous = pages;
    long wanted = previous + Integer.toUnsignedLong(delta);
    if (wanted > maximumPages()) {
      return -1;
    }
    int size = Memory.bytes((int) wanted);
    if (size > bytes.capacity()) {
      ByteBuffer larger = allocateAtLeast(size);
      if (larger == null) {
        return -1; // memory.grow fails, as the guest expects when the host has no more
      }
      larger.put(0, bytes, 0, bytes.limit());
      ByteBuffer old = bytes;
      bytes = larger;
      DirectBufferRelease.free(old);
    }
    bytes.limit(size);
    pages = (int) wanted;
    return previous;
  }

  /**
   * A new buffer of at least {@code size} bytes, with capacity reserved ahead if the JVM can back
   * it, else exactly {@code size}; null if it cannot back even that.
   */
  private ByteBuffer allocateAtLeast(int size) {
    long ahead = reserveShift > MAX_RESERVE_SHIFT ? 0 : bytes.capacity() >> reserveShift;
    int reserve = (int) Math.min(Memory.bytes(maximumPages()), (long) bytes.capacity() + ahead);
    if (reserve > size) {
      try {
        return allocate(reserve);
      } catch (OutOfMemoryError e) {
        reserveShift++;
      }
    }
    try {
      return allocate(size);
    } catch (OutOfMemoryError e) {
      return null;
    }
  }

  @Override
  public int initialPages() {
    return limits.initialPages();
  }

  @Override
  public int maximumPages() {
    return Math.min(limits.maximumPages(), RUNTIME_MAX_PAGES);
  }

  @Override
  public boolean shared() {
    return false;
  }

  /** Atomic instructions on an unshared memory need no lock: only one thread runs the guest. */
  @Override
  public Object lock(int address) {
    return this;
  }

  @Override
  public int waitOn(int address, int expected, long timeout) {
    throw new ChicoryException("Attempt to wait on a non-shared memory, not supported.");
  }

  @Override
  public int waitOn(int address, long expected, long timeout) {
    throw new ChicoryException("Attempt to wait on a non-shared memory, not supported.");
  }

  /** No thread can be waiting on an unshared memory. */
  @Override
  public int notify(int address, int maxThreads) {
    return 0;
  }

  @Override
  public void initialize(Instance instance, DataSegment[] dataSegments) {
    initialize(instance, dataSegments, 0);
  }

  @Override
  public void initialize(Instance instance, DataSegment[] dataSegments, int memoryIndex) {
    if (dataSegments == null) {
      return;
    }
    this.dataSegments = dataSegments;
    for (DataSegment segment : dataSegments) {
      if (segment instanceof ActiveDataSegment active && active.index() == memoryIndex) {
        int offset =
            (int) ConstantEvaluators.computeConstantValue(instance, active.offsetInstructions())[0];
        byte[] data = active.data();
        if (!inside(offset, data.length, bytes.limit())) {
          throw new UninstantiableException(
              "out of bounds memory access: data segment of "
                  + data.length
                  + " bytes at "
                  + Integer.toUnsignedString(offset));
        }
        bytes.put(offset, data);
      } else if (!(segment instanceof ActiveDataSegment)
          && !(segment instanceof PassiveDataSegment)) {
        throw new ChicoryException("Data segment should be active or passive: " + segment);
      }
    }
  }

  @Override
  public void initPassiveSegment(int segmentId, int address, int offset, int size) {
    byte[] data = dataSegments[segmentId].data();
    if (!inside(offset, size, data.length)) {
      throw outOfBounds(offset, size);
    }
    write(address, data, offset, size);
  }

  @Override
  public void drop(int segment) {
    dataSegments[segment] = PassiveDataSegment.EMPTY;
  }

  @Override
  public void write(int address, byte[] data, int offset, int size) {
    check(address, size);
    bytes.put(address, data, offset, size);
  }

  @Override
  public byte[] readBytes(int address, int length) {
    check(address, length);
    byte[] data = new byte[length];
    bytes.get(address, data);
    return data;
  }

  @Override
  public void copy(int destination, int source, int size) {
    check(destination, size);
    check(source, size);
    bytes.put(destination, bytes, source, size); // a memmove: the ranges may overlap
  }

  @Override
  public void fill(byte value, int fromIndex, int toIndex) {
    int size = toIndex - fromIndex;
    check(fromIndex, size);
    if (size == 0) {
      return;
    }
    // One byte, then copies of what is filled so far: log2(size) bulk copies, no scratch array.
    bytes.put(fromIndex, value);
    for (int filled = 1; filled < size; ) {
      int n = Math.min(filled, size - filled);
      bytes.put(fromIndex + filled, bytes, fromIndex, n);
      filled += n;
    }
  }

  @Override
  public void zero() {
    fill((byte) 0, 0, bytes.limit());
  }

  @Override
  public byte read(int address) {
    try {
      return bytes.get(address);
    } catch (IndexOutOfBoundsException e) {
      throw outOfBounds(address, 1);
    }
  }

  @Override
  public void writeByte(int address, byte value) {
    try {
      bytes.put(address, value);
    } catch (IndexOutOfBoundsException e) {
      throw outOfBounds(address, 1);
    }
  }

  @Override
  public short readShort(int address) {
    try {
      return bytes.getShort(address);
    } catch (IndexOutOfBoundsException e) {
      throw outOfBounds(address, 2);
    }
  }

  @Override
  public long readU16(int address) {
    return readShort(address) & 0xFFFF;
  }

  @Override
  public void writeShort(int address, short value) {
    try {
      bytes.putShort(address, value);
    } catch (IndexOutOfBoundsException e) {
      throw outOfBounds(address, 2);
    }
  }

  @Override
  public int readInt(int address) {
    try {
      return bytes.getInt(address);
    } catch (IndexOutOfBoundsException e) {
      throw outOfBounds(address, 4);
    }
  }

  @Override
  public void writeI32(int address, int value) {
    try {
      bytes.putInt(address, value);
    } catch (IndexOutOfBoundsException e) {
      throw outOfBounds(address, 4);
    }
  }

  @Override
  public long readLong(int address) {
    try {
      return bytes.getLong(address);
    } catch (IndexOutOfBoundsException e) {
      throw outOfBounds(address, 8);
    }
  }

  @Override
  public void writeLong(int address, long value) {
    try {
      bytes.putLong(address, value);
    } catch (IndexOutOfBoundsException e) {
      throw outOfBounds(address, 8);
    }
  }

  @Override
  public float readFloat(int address) {
    return Float.intBitsToFloat(readInt(address));
  }

  @Override
  public long readF32(int address) {
    return readInt(address);
  }

  @Override
  public void writeF32(int address, float value) {
    writeI32(address, Float.floatToRawIntBits(value));
  }

  @Override
  public double readDouble(int address) {
    return Double.longBitsToDouble(readLong(address));
  }

  @Override
  public long readF64(int address) {
    return readLong(address);
  }

  @Override
  public void writeF64(int address, double value) {
    writeLong(address, Double.doubleToRawLongBits(value));
  }

  /** Chicory's trap unless {@code [address, address + size)} lies inside memory. */
  private void check(int address, int size) {
    if (!inside(address, size, bytes.limit())) {
      throw outOfBounds(address, size);
    }
  }

  /** Whether {@code [start, start + size)}, both unsigned, lies inside {@code [0, limit)}. */
  private static boolean inside(int start, int size, int limit) {
    return size >= 0 && Integer.toUnsignedLong(start) + size <= limit;
  }

  private WasmRuntimeException outOfBounds(int address, int size) {
    return new WasmRuntimeException(
        "out of bounds memory access: attempted to access address: "
            + Integer.toUnsignedString(address)
            + " but limit is: "
            + bytes.limit()
            + " and size: "
            + size);
  }

  private static ByteBuffer allocate(int capacity) {
    return ByteBuffer.allocateDirect(capacity).order(ByteOrder.LITTLE_ENDIAN);
  }
}
