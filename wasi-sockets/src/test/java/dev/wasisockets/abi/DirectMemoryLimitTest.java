package dev.wasisockets.abi;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.Parser;
import dev.wasisockets.WasiSockets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A guest that grows its memory a page at a time until {@code memory.grow} says no, in a JVM of its
 * own whose direct memory (where {@link DirectMemory} lives) is capped at {@value #LIMIT_MIB} MiB,
 * with and without {@code -XX:+DisableExplicitGC}.
 *
 * <p>A reallocation needs the old and the new buffer at once. A memory that doubles its capacity on
 * every reallocation, and nothing else, stops at {@value #DOUBLING_STOPS_AT} pages (the next
 * doubling needs 256 + 512 pages, past the limit's {@value #LIMIT_PAGES}), and so does one that
 * leaves its old buffers to the collector when nothing collects them (explicit GC off: they add up
 * to the current size). Past that, only the exact size needed, with the old buffer freed at once,
 * goes on, until old and new together no longer fit; and the guest, told -1, goes on too.
 */
class DirectMemoryLimitTest {
  private static final int LIMIT_MIB = 40;
  private static final int LIMIT_PAGES = LIMIT_MIB * 16;
  private static final int DOUBLING_STOPS_AT = 256;
  private static final int MAXIMUM_PAGES = 1000; // past the limit: -1 must be the host's no

  private static final String GROWING =
      """
      (module
        (memory (export "memory") 1 %d)
        ;; Grows a page at a time until memory.grow is -1, writing each new page's number into it.
        (func (export "grow_until_refused") (result i32)
          (block $refused
            (loop $more
              (br_if $refused (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
              (i32.store
                (i32.mul (i32.sub (memory.size) (i32.const 1)) (i32.const 65536))
                (memory.size))
              (br $more)))
          (memory.size))
        ;; How many pages, from the first, hold their number (the first is given it here).
        (func (export "check") (result i32)
          (local $page i32)
          (i32.store (i32.const 0) (i32.const 1))
          (block $wrong
            (loop $next
              (br_if $wrong
                (i32.ne
                  (i32.load (i32.mul (local.get $page) (i32.const 65536)))
                  (i32.add (local.get $page) (i32.const 1))))
              (local.set $page (i32.add (local.get $page) (i32.const 1)))
              (br_if $next (i32.lt_u (local.get $page) (memory.size)))))
          (local.get $page)))
      """
          .formatted(MAXIMUM_PAGES);

  @TempDir Path dir;

  @ParameterizedTest(name = "explicit GC disabled: {0}")
  @ValueSource(booleans = {true, false})
  @Timeout(120)
  void growingNearTheDirectMemoryLimitEndsInMinusOneAndTheGuestGoesOn(boolean noExplicitGc)
      throws Exception {
    Path wasm = Files.write(dir.resolve("growing.wasm"), Wat2Wasm.parse(GROWING));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-XX:MaxDirectMemorySize=" + LIMIT_MIB + "m");
    if (noExplicitGc) {
      command.add("-XX:+DisableExplicitGC");
    }
    command.addAll(
        List.of(
            "-Xmx256m",
            "-cp",
            System.getProperty("java.class.path"),
            Grower.class.getName(),
            wasm.toString()));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

    assertThat(output).as("the guest's JVM printed").matches("pages \\d+, intact \\d+\n");
    assertThat(process.exitValue()).isZero();
    String[] words = output.trim().split("[ ,]+");
    int pages = Integer.parseInt(words[1]);
    assertThat(Integer.parseInt(words[3])).as("pages that kept their bytes").isEqualTo(pages);
    assertThat(pages)
        .as("pages when memory.grow said -1")
        .isGreaterThan(DOUBLING_STOPS_AT)
        .isLessThan(LIMIT_PAGES);
  }

  /** The guest's side, in its own JVM: {@code Grower GUEST.wasm}. */
  public static final class Grower {
    public static void main(String[] args) throws Exception {
      Instance instance =
          Instance.builder(Parser.parse(Path.of(args[0])))
              .withMemoryFactory(WasiSockets.memoryFactory())
              .withMachineFactory(MachineFactoryCompiler::compile)
              .build();
      long pages = instance.export("grow_until_refused").apply()[0];
      long intact = instance.export("check").apply()[0];
      System.out.println("pages " + pages + ", intact " + intact);
    }
  }
}
