package dev.wasisockets.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.wasisockets.UnsupportedImportException;
import dev.wasisockets.WasiSockets;
import org.junit.jupiter.api.Test;

class ImportResolutionTest {

  @Test
  void everyImportTheHostLacksIsNamedWithItsType() {
    WasmModule module =
        module(
            """
            (module
              (import "wasi_snapshot_preview1" "sock_frobnicate" (func (param i32) (result i32)))
              (import "wasi_snapshot_preview1" "sock_open" (func (param i32) (result i32)))
              (import "env" "host_clock" (func (result i64)))
              (import "wasi_snapshot_preview1" "fd_write"
                (func (param i32 i32 i32 i32) (result i32))))
            """);

    try (WasiSockets sockets = WasiSockets.builder().build()) {
      assertThatThrownBy(() -> sockets.toImportValues(module))
          .isInstanceOfSatisfying(
              UnsupportedImportException.class,
              e ->
                  assertThat(e.problems())
                      .containsExactlyInAnyOrder(
                          "guest imports env.host_clock () -> i64,"
                              + " which this host does not provide",
                          "guest imports wasi_snapshot_preview1.sock_frobnicate (i32) -> i32,"
                              + " which this host does not provide",
                          "guest imports wasi_snapshot_preview1.sock_open as (i32) -> i32,"
                              + " but this host provides (i32, i32, i32) -> i32"));
    }
  }

  @Test
  void hostFunctionsCoverOnlyTheWasiImportsSoEmbeddersCanAddTheirOwn() {
    WasmModule module =
        module(
            """
            (module
              (import "env" "host_clock" (func (result i64)))
              (import "wasi_snapshot_preview1" "sock_open"
                (func (param i32 i32 i32) (result i32))))
            """);

    try (WasiSockets sockets = WasiSockets.builder().build()) {
      assertThat(sockets.toHostFunctions(module))
          .singleElement()
          .satisfies(f -> assertThat(f.name()).isEqualTo("sock_open"));
    }
  }

  private static WasmModule module(String wat) {
    return Parser.parse(Wat2Wasm.parse(wat));
  }
}
