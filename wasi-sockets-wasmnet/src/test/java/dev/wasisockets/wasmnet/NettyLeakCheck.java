package dev.wasisockets.wasmnet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.LogCapture;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty's leak detector (paranoid in the build) reports a buffer that was
 * never released. Netty logs leaks through JDK logging here, when a later allocation finds the
 * collected buffer, so the check collects garbage and allocates before it reads the log.
 */
public final class NettyLeakCheck implements BeforeAllCallback, AfterAllCallback {
  private LogCapture leaks;

  @Override
  public void beforeAll(ExtensionContext context) {
    leaks = new LogCapture("io.netty.util.ResourceLeakDetector");
  }

  @Override
  public void afterAll(ExtensionContext context) {
    try {
      for (int round = 0; round < 5; round++) {
        System.gc();
        for (int i = 0; i < 1000; i++) {
          ByteBuf probe = PooledByteBufAllocator.DEFAULT.buffer(16);
          probe.release();
        }
      }
      assertThat(leaks.lines()).as("Netty leak reports").noneMatch(line -> line.contains("LEAK"));
    } finally {
      leaks.close();
    }
  }
}
