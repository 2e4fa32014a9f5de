package dev.wasisockets.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code poll_oneoff} can know of stdin from the JDK stream behind it. */
class StdinReadinessTest {
  private static final int READY = Errno.SUCCESS.code();

  @Test
  void aPipeIsReadableOnlyWhileItHoldsBytes() throws IOException {
    PipedOutputStream writer = new PipedOutputStream();
    PipedInputStream pipe = new PipedInputStream(writer);
    StdinReadiness stdin = new StdinReadiness(pipe);
    assertThat(stdin.check()).isEqualTo(StdinReadiness.NOT_READY);

    writer.write('x');
    assertThat(stdin.check()).isEqualTo(READY);

    assertThat(pipe.read()).isEqualTo('x');
    assertThat(stdin.check()).isEqualTo(StdinReadiness.NOT_READY);
  }

  @Test
  void theEndIsReadableOnceAReadHasMetItUntilBytesComeAfterIt() throws IOException {
    StdinReadiness stdin = new StdinReadiness(new PipedInputStream(new PipedOutputStream()));

    stdin.afterRead(0, 0); // a read with no room says nothing
    assertThat(stdin.check()).isEqualTo(StdinReadiness.NOT_READY);
    stdin.afterRead(0, 16);
    assertThat(stdin.check()).isEqualTo(READY);
    stdin.afterRead(3, 16);
    assertThat(stdin.check()).isEqualTo(StdinReadiness.NOT_READY);
  }

  @Test
  void aByteArrayStreamIsReadableToItsEndAndAtIt() throws IOException {
    ByteArrayInputStream bytes = new ByteArrayInputStream(new byte[] {1});
    StdinReadiness stdin = new StdinReadiness(bytes);
    assertThat(stdin.check()).isEqualTo(READY);

    assertThat(bytes.read()).isEqualTo(1);
    assertThat(stdin.check()).as("at its end: a read returns at once").isEqualTo(READY);
  }

  @Test
  void aRegularFileIsAlwaysReadableAsPosixPollSays(@TempDir Path dir) throws IOException {
    try (FileInputStream file =
        new FileInputStream(Files.writeString(dir.resolve("in"), "x").toFile())) {
      StdinReadiness stdin = new StdinReadiness(file);
      assertThat(stdin.check()).isEqualTo(READY);

      assertThat(file.read()).isEqualTo('x');
      assertThat(stdin.check()).as("at its end: a read returns at once").isEqualTo(READY);
    }
  }

  @Test
  void aStreamThatCannotSayIsReadyWithEio(@TempDir Path dir) throws IOException {
    FileInputStream closed =
        new FileInputStream(Files.writeString(dir.resolve("in"), "x").toFile());
    closed.close();

    assertThat(new StdinReadiness(closed).check()).isEqualTo(Errno.EIO.code());
  }
}
