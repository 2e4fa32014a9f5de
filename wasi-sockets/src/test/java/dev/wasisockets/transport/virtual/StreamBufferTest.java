package dev.wasisockets.transport.virtual;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The ring of one direction of a virtual connection: it grows from a small one to the bound,
 * wrapping around as it goes, drops a small ring read empty, and gives back every byte in order.
 */
class StreamBufferTest {
  private static final Link CLEAR =
      new Link(VirtualNetwork.create().host("a"), VirtualNetwork.create().host("b"), 0);

  @Test
  void bytesComeOutInOrderThroughGrowingAndWrappingRings() {
    Random random = new Random(11);
    StreamBuffer buffer = new StreamBuffer(new RingPool());
    ByteArrayOutputStream written = new ByteArrayOutputStream();
    ByteArrayOutputStream read = new ByteArrayOutputStream();
    byte next = 0;
    for (int round = 0; round < 3_000; round++) {
      // Writes of up to 64 KiB and reads of up to 48 KiB: the ring fills, wraps and grows.
      byte[] chunk = new byte[random.nextInt(64 * 1024)];
      for (int i = 0; i < chunk.length; i++) {
        chunk[i] = next++;
      }
      ByteBuffer src = ByteBuffer.wrap(chunk);
      int fits = buffer.fits(src);
      buffer.put(src, fits, Link.NOW);
      written.write(chunk, 0, fits);
      next -= (byte) (chunk.length - fits); // what did not fit is written again next round
      assertThat(buffer.size()).isLessThanOrEqualTo(StreamBuffer.CAPACITY);

      ByteBuffer dst = ByteBuffer.allocate(random.nextInt(48 * 1024));
      assertThat(buffer.readable(CLEAR)).isEqualTo(buffer.size());
      int taken = buffer.take(dst);
      read.write(dst.array(), 0, taken);
    }
    ByteBuffer rest = ByteBuffer.allocate(StreamBuffer.CAPACITY);
    read.write(rest.array(), 0, buffer.take(rest));

    assertThat(buffer.size()).isZero();
    assertThat(read.toByteArray()).isEqualTo(written.toByteArray());
  }

  @Test
  void aBufferReadEmptyKeepsNoRingAndWritesAgain() {
    StreamBuffer buffer = new StreamBuffer(new RingPool());
    for (int i = 0; i < 3; i++) {
      ByteBuffer request = ByteBuffer.wrap(("request " + i).getBytes());
      buffer.put(request, buffer.fits(request), Link.NOW);
      ByteBuffer dst = ByteBuffer.allocate(64);
      assertThat(buffer.take(dst)).isEqualTo(9);
      assertThat(new String(dst.array(), 0, 9)).isEqualTo("request " + i);
    }
    assertThat(buffer.size()).isZero();
  }
}
