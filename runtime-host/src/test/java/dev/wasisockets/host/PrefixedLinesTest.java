package dev.wasisockets.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Guests' output lines under {@code up}: prefixed, whole, never mixed, bounded. */
@Timeout(30)
class PrefixedLinesTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream shared = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  @Test
  void eachLineIsPrefixedAndALineIsWrittenWhenItsNewlineComes() {
    PrefixedLines echo = new PrefixedLines(shared, "echo | ");

    write(echo, "served");
    assertThat(text()).as("half a line is held").isEmpty();
    write(echo, " 2\nsecond\n\nlast, without a newline");

    assertThat(text()).isEqualTo("echo | served 2\necho | second\necho | \n");
    echo.close();
    assertThat(text()).endsWith("echo | last, without a newline\n");
  }

  /** Two guests writing a byte at a time, at once: every line comes out whole, after its prefix. */
  @Test
  void twoGuestsLinesNeverMixWithinALine() throws Exception {
    PrefixedLines a = new PrefixedLines(shared, "a | ");
    PrefixedLines b = new PrefixedLines(shared, "b | ");
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> writers = new ArrayList<>();
    for (PrefixedLines guest : List.of(a, b)) {
      String name = guest == a ? "aaaa" : "bbbb";
      Thread writer =
          new Thread(
              () -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  return;
                }
                for (int line = 0; line < 500; line++) {
                  for (byte c : (name + line + "\n").getBytes(StandardCharsets.UTF_8)) {
                    guest.write(c);
                  }
                }
              });
      writer.start();
      writers.add(writer);
    }
    go.countDown();
    for (Thread writer : writers) {
      writer.join();
    }

    List<String> lines = text().lines().toList();
    assertThat(lines).hasSize(1000);
    assertThat(lines).allMatch(line -> line.matches("a \\| aaaa\\d+|b \\| bbbb\\d+"));
    assertThat(lines.stream().filter(line -> line.startsWith("a | ")).toList())
        .as("in the order written")
        .isEqualTo(IntStream.range(0, 500).mapToObj(i -> "a | aaaa" + i).toList());
  }

  /** A guest that never ends its line cannot make the host hold its output without a bound. */
  @Test
  void aLineLongerThanTheBoundIsWrittenInPieces() {
    PrefixedLines guest = new PrefixedLines(shared, "g | ");
    byte[] endless = "x".repeat(PrefixedLines.MAX_LINE * 2 + 10).getBytes(StandardCharsets.UTF_8);

    guest.write(endless, 0, endless.length);

    assertThat(text().lines().toList())
        .containsExactly(
            "g | " + "x".repeat(PrefixedLines.MAX_LINE),
            "g | " + "x".repeat(PrefixedLines.MAX_LINE));
    guest.close();
    assertThat(text()).endsWith("g | xxxxxxxxxx\n");
  }

  @Test
  void bytesPassAsTheGuestWroteThem() {
    PrefixedLines guest = new PrefixedLines(shared, "g | ");
    byte[] notUtf8 = {(byte) 0xff, (byte) 0xfe, '\n'};

    guest.write(notUtf8, 0, notUtf8.length);

    byte[] out = bytes.toByteArray();
    assertThat(out).endsWith((byte) 0xff, (byte) 0xfe, (byte) '\n');
  }

  private static void write(PrefixedLines lines, String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    lines.write(b, 0, b.length);
  }

  private String text() {
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
