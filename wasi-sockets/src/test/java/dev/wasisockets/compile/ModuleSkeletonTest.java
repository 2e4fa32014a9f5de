package dev.wasisockets.compile;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.OpCode;
import dev.wasisockets.fixtures.GuestFixture;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every fixture's skeleton keeps all but its function bodies. */
class ModuleSkeletonTest {
  @ParameterizedTest
  @EnumSource(GuestFixture.class)
  void keepsEverySectionButTheBodies(GuestFixture fixture) {
    byte[] wasm = fixture.bytes();
    byte[] skeleton = ModuleSkeleton.of(wasm).orElseThrow();

    WasmModule whole = parse(wasm);
    WasmModule bones = parse(skeleton);

    assertThat(skeleton.length).isLessThan(wasm.length);
    assertThat(bones.functionSection().functionCount())
        .isEqualTo(whole.functionSection().functionCount())
        .isEqualTo(bones.codeSection().functionBodyCount());
    assertThat(bones.typeSection()).isEqualTo(whole.typeSection());
    assertThat(bones.importSection()).isEqualTo(whole.importSection());
    assertThat(bones.exportSection()).isEqualTo(whole.exportSection());
    assertThat(bones.globalSection()).isEqualTo(whole.globalSection());
    assertThat(bones.elementSection().elementCount())
        .isEqualTo(whole.elementSection().elementCount());
    assertThat(bones.memorySection()).isEqualTo(whole.memorySection());
    var wholeData = whole.dataSection().dataSegments();
    var bonesData = bones.dataSection().dataSegments();
    assertThat(bonesData).hasSameSizeAs(wholeData);
    for (int i = 0; i < wholeData.length; i++) {
      assertThat(bonesData[i].data()).isEqualTo(wholeData[i].data());
    }
    for (var body : bones.codeSection().functionBodies()) {
      assertThat(body.instructions().get(0).opcode()).isEqualTo(OpCode.UNREACHABLE);
    }
  }

  @ParameterizedTest
  @EnumSource(GuestFixture.class)
  void aTruncatedModuleHasNoSkeleton(GuestFixture fixture) {
    byte[] wasm = fixture.bytes();

    assertThat(ModuleSkeleton.of(Arrays.copyOf(wasm, wasm.length - 1))).isEmpty();
    assertThat(ModuleSkeleton.of(Arrays.copyOf(wasm, 5))).isEmpty();
  }

  private static WasmModule parse(byte[] wasm) {
    return Parser.builder()
        .withValidation(false)
        .build()
        .parse(() -> new ByteArrayInputStream(wasm));
  }
}
