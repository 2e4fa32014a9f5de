package dev.wasisockets.abi;

import com.dylibso.chicory.runtime.Memory;
import dev.wasisockets.core.Errno;
import dev.wasisockets.core.ErrnoException;
import java.nio.ByteBuffer;

/**
 * Guest linear memory with every access bounds-checked first: a bad pointer or length from a guest
 * is EFAULT, never a host exception. Pointers are unsigned 32-bit offsets.
 */
final class GuestMemory {
  private final Memory memory;

  GuestMemory(Memory memory) {
    this.memory = memory;
  }

  /**
   * The guest's bytes as one direct buffer (limit: the memory's size) that socket I/O may read and
   * write in place, or null if the memory is not a {@link DirectMemory} and must be copied.
   */
  ByteBuffer inPlace() {
    return memory instanceof DirectMemory direct ? direct.buffer() : null;
  }

  /** EFAULT unless {@code [address, address + length)} lies inside memory. */
  void check(int address, long length) {
    long start = Integer.toUnsignedLong(address);
    long size = (long) memory.pages() * Memory.PAGE_SIZE;
    if (length < 0 || start + length > size) {
      throw new ErrnoException(
          Errno.EFAULT,
          "guest range " + start + "+" + length + " lies outside its " + size + "-byte memory");
    }
  }

  int readI32(int address) {
    check(address, 4);
    return memory.readInt(address);
  }

  void writeI32(int address, int value) {
    check(address, 4);
    memory.writeI32(address, value);
  }

  void writeI64(int address, long value) {
    check(address, 8);
    memory.writeLong(address, value);
  }

  void writeU8(int address, int value) {
    check(address, 1);
    memory.writeByte(address, (byte) value);
  }

  /** Writes exactly 2 bytes: wasi-libc's roflags is a u16, and a wider write corrupts the guest. */
  void writeU16(int address, int value) {
    check(address, 2);
    memory.writeShort(address, (short) value);
  }

  long readI64(int address) {
    check(address, 8);
    return memory.readLong(address);
  }

  int readU8(int address) {
    check(address, 1);
    return memory.read(address) & 0xFF;
  }

  int readU16(int address) {
    check(address, 2);
    return (int) memory.readU16(address);
  }

  byte[] read(int address, int length) {
    check(address, Integer.toUnsignedLong(length));
    return memory.readBytes(address, length);
  }

  void write(int address, byte[] source, int offset, int length) {
    check(address, length);
    memory.write(address, source, offset, length);
  }
}
