package dev.wasisockets.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteBufferMemory;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link DirectMemory} behaves as Chicory's own memory does, for a guest's code in either mode: the
 * same random loads, stores, grows and bulk operations, at addresses at and past the end of memory,
 * give the same values, the same traps and the same bytes on both.
 */
class DirectMemoryTest {
  private static final int PAGE = Memory.PAGE_SIZE;
  private static final int MAX_PAGES = 6;
  private static final int OPERATIONS = 20_000;

  private static final WasmModule MODULE =
      Parser.parse(
          Wat2Wasm.parse(
              """
              (module
                (memory (export "memory") 1 %d)
                (data (i32.const 16) "active")
                (data $passive "passive segment")
                (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
                (func (export "load16") (param i32) (result i32) (i32.load16_s (local.get 0)))
                (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
                (func (export "load32_offset") (param i32) (result i32)
                  (i32.load offset=65533 (local.get 0)))
                (func (export "load64") (param i32) (result i64) (i64.load (local.get 0)))
                (func (export "loadf32") (param i32) (result f32) (f32.load (local.get 0)))
                (func (export "loadf64") (param i32) (result f64) (f64.load (local.get 0)))
                (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
                (func (export "store16") (param i32 i32) (i32.store16 (local.get 0) (local.get 1)))
                (func (export "store32") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
                (func (export "store64") (param i32 i32)
                  (i64.store (local.get 0) (i64.extend_i32_s (local.get 1))))
                (func (export "storef64") (param i32 i32)
                  (f64.store (local.get 0) (f64.convert_i32_s (local.get 1))))
                (func (export "grow") (param i32 i32) (result i32) (memory.grow (local.get 0)))
                (func (export "size") (param i32 i32) (result i32) (memory.size))
                (func (export "fill") (param i32 i32 i32)
                  (memory.fill (local.get 0) (local.get 1) (local.get 2)))
                (func (export "copy") (param i32 i32 i32)
                  (memory.copy (local.get 0) (local.get 1) (local.get 2)))
                (func (export "init") (param i32 i32 i32)
                  (memory.init $passive (local.get 0) (local.get 1) (local.get 2)))
                (func (export "drop") (data.drop $passive)))
              """
                  .formatted(MAX_PAGES)));

  private static final String[] ONE_ADDRESS = {
    "load8", "load16", "load32", "load32_offset", "load64", "loadf32", "loadf64"
  };
  private static final String[] ADDRESS_AND_VALUE = {
    "store8", "store16", "store32", "store64", "storef64", "grow", "size"
  };
  private static final String[] THREE = {"fill", "copy", "init", "copy"};

  @ParameterizedTest(name = "seed {0}, compiled {1}")
  @CsvSource({"1, false", "2, false", "3, true", "4, true"})
  void aGuestSeesTheSameMemoryAsOnChicorysOwn(long seed, boolean compiled) {
    Instance direct = instance(DirectMemory::new, compiled);
    Instance chicory = instance(ByteBufferMemory::new, compiled);
    Random random = new Random(seed);

    for (int i = 0; i < OPERATIONS; i++) {
      String name;
      long[] args;
      int kind = random.nextInt(20);
      if (kind < 9) {
        name = ONE_ADDRESS[random.nextInt(ONE_ADDRESS.length)];
        args = new long[] {address(random, chicory)};
      } else if (kind < 17) {
        name = ADDRESS_AND_VALUE[random.nextInt(ADDRESS_AND_VALUE.length)];
        boolean grow = name.equals("grow");
        args =
            new long[] {
              grow ? growth(random) : address(random, chicory), random.nextInt(),
            };
      } else if (kind < 19) {
        name = THREE[random.nextInt(THREE.length)];
        args = new long[] {address(random, chicory), address(random, chicory), length(random)};
      } else {
        name = "drop";
        args = new long[0];
      }
      String call = name + Arrays.toString(args);
      assertThat(outcome(direct, name, args))
          .as("seed %d, operation %d: %s", seed, i, call)
          .isEqualTo(outcome(chicory, name, args));
      if (i % 1000 == 0 || name.equals("grow")) {
        assertSameBytes(direct, chicory, "seed " + seed + ", after " + call);
      }
    }
    assertSameBytes(direct, chicory, "seed " + seed + ", at the end");
  }

  @Test
  void aDataSegmentPastTheEndFailsInstantiationAsOnChicorysOwn() {
    WasmModule module =
        Parser.parse(Wat2Wasm.parse("(module (memory 1) (data (i32.const 65534) \"abc\"))"));
    for (Function<MemoryLimits, Memory> factory :
        List.<Function<MemoryLimits, Memory>>of(ByteBufferMemory::new, DirectMemory::new)) {
      assertThatThrownBy(() -> Instance.builder(module).withMemoryFactory(factory).build())
          .isInstanceOf(UninstantiableException.class);
    }
  }

  @Test
  void growingPastTheMaximumFailsAndKeepsTheMemory() {
    DirectMemory memory = new DirectMemory(new MemoryLimits(1, 3));
    memory.writeI32(PAGE - 4, 42);

    assertThat(memory.grow(3)).isEqualTo(-1);
    assertThat(memory.grow(-1)).isEqualTo(-1);
    assertThat(memory.grow(2)).isEqualTo(1);
    assertThat(memory.grow(1)).isEqualTo(-1);
    assertThat(memory.pages()).isEqualTo(3);
    assertThat(memory.readInt(PAGE - 4)).isEqualTo(42);
    assertThat(memory.readInt(3 * PAGE - 4)).isZero();
  }

  @Test
  void aSharedMemoryIsRefused() {
    assertThatThrownBy(() -> new DirectMemory(new MemoryLimits(1, 2, true)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("shared memory (WebAssembly threads) is not supported");
  }

  private static Instance instance(Function<MemoryLimits, Memory> memory, boolean compiled) {
    Instance.Builder builder = Instance.builder(MODULE).withMemoryFactory(memory);
    if (compiled) {
      builder.withMachineFactory(MachineFactoryCompiler::compile);
    }
    return builder.build();
  }

  /** The values a call returned, or the kind of trap it ended in. */
  private static String outcome(Instance instance, String name, long[] args) {
    try {
      return Arrays.toString(instance.export(name).apply(args));
    } catch (ChicoryException e) {
      return "trap " + e.getClass().getSimpleName();
    }
  }

  private static void assertSameBytes(Instance direct, Instance chicory, String when) {
    byte[] expected = chicory.memory().readBytes(0, chicory.memory().pages() * PAGE);
    byte[] actual = direct.memory().readBytes(0, direct.memory().pages() * PAGE);
    assertThat(Arrays.mismatch(actual, expected))
        .as("first differing byte, %s", when)
        .isEqualTo(-1);
  }

  /** Mostly addresses near the ends of the pages the memory has or may have, some far off. */
  private static long address(Random random, Instance instance) {
    int size = instance.memory().pages() * PAGE;
    return switch (random.nextInt(6)) {
      case 0 -> random.nextInt(size);
      case 1 -> size - random.nextInt(10);
      case 2 -> size + random.nextInt(10);
      case 3 -> (random.nextInt(MAX_PAGES + 1)) * PAGE - 8 + random.nextInt(16);
      case 4 -> random.nextInt(64);
      default -> random.nextBoolean() ? random.nextInt() : -1 - random.nextInt(16);
    };
  }

  private static long length(Random random) {
    return switch (random.nextInt(4)) {
      case 0 -> random.nextInt(16);
      case 1 -> random.nextInt(3 * PAGE);
      case 2 -> -1 - random.nextInt(4);
      default -> random.nextInt(200);
    };
  }

  private static long growth(Random random) {
    return random.nextInt(8) == 0 ? -1 - random.nextInt(4) : random.nextInt(3);
  }
}
