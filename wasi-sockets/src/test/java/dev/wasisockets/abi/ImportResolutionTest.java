package dev.wasisockets.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.wasisockets.WasiSockets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
                              + " which this host does not provide in the wasmedge dialect",
                          "guest imports wasi_snapshot_preview1.sock_open as (i32) -> i32,"
                              + " but this host provides (i32, i32, i32) -> i32"
                              + " in the wasmedge dialect"));
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

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "'fd_write:4', PREVIEW1",
    "'sock_accept:3,sock_recv:6', PREVIEW1",
    "'sock_connect:3,sock_send:5', LEGACY_2020",
    "'sock_connect:3,sock_open:3', WASMEDGE",
    "'sock_getaddrinfo:8', WASMEDGE",
    "'sock_accept:2', WASMEDGE",
    "'epoll_oneoff:4', WASMEDGE",
  })
  void autoPicksTheDialectFromTheImports(String imports, Dialect expected) {
    StringBuilder wat = new StringBuilder("(module\n");
    for (String entry : imports.split(",")) {
      String[] nameAndParams = entry.split(":");
      wat.append("  (import \"wasi_snapshot_preview1\" \"")
          .append(nameAndParams[0])
          .append("\" (func")
          .append(" (param i32)".repeat(Integer.parseInt(nameAndParams[1])))
          .append(" (result i32)))\n");
    }
    wat.append(")");

    assertThat(Preview1Imports.detect(module(wat.toString()))).isEqualTo(expected);
  }

  @Test
  void theSameSockConnectMeansWhatTheChosenDialectSays() {
    WasmModule module =
        module(
            """
            (module
              (import "wasi_snapshot_preview1" "sock_connect"
                (func (param i32 i32 i32) (result i32))))
            """);
    for (Dialect dialect : List.of(Dialect.WASMEDGE, Dialect.LEGACY_2020)) {
      try (WasiSockets sockets = WasiSockets.builder().withDialect(dialect).build()) {
        assertThat(sockets.toHostFunctions(module)).hasSize(1);
      }
    }
    try (WasiSockets sockets = WasiSockets.builder().withDialect(Dialect.PREVIEW1).build()) {
      assertThatThrownBy(() -> sockets.toHostFunctions(module))
          .hasMessageContaining("sock_connect (i32, i32, i32) -> i32, which this host does not");
    }
  }

  /** Nothing here is thread-safe: a module that could share its memory with threads is refused. */
  @Test
  void aSharedMemoryIsRefusedBeforeInstantiation() {
    // Chicory's wat2wasm has no threads: the two modules in bytes. Limits flag 3: shared, min, max.
    WasmModule declared =
        Parser.parse(
            bytes(
                0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // \0asm, version 1
                0x05, 0x04, 0x01, 0x03, 0x01, 0x02)); // memory section: (memory 1 2 shared)
    WasmModule imported =
        Parser.parse(
            bytes(
                0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // \0asm, version 1
                0x02, 0x10, 0x01, // import section: one import,
                0x03, 'e', 'n', 'v', 0x06, 'm', 'e', 'm', 'o', 'r', 'y', // env.memory,
                0x02, 0x03, 0x01, 0x02)); // a (memory 1 2 shared)

    try (WasiSockets sockets = WasiSockets.builder().build()) {
      for (WasmModule module : List.of(declared, imported)) {
        assertThatThrownBy(() -> sockets.toImportValues(module))
            .isInstanceOfSatisfying(
                UnsupportedImportException.class,
                e ->
                    assertThat(e.problems())
                        .contains(
                            "guest has a shared memory (WebAssembly threads), which this host does"
                                + " not support: its WASI, sockets and guest memory serve one"
                                + " thread"));
      }
      assertThatThrownBy(() -> sockets.toHostFunctions(declared))
          .isInstanceOf(UnsupportedImportException.class)
          .hasMessageContaining("shared memory");
    }
    assertThatThrownBy(
            () -> WasiSockets.memoryFactory().apply(new MemoryLimits(1, 2, /* shared= */ true)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("shared memory");
  }

  private static byte[] bytes(int... values) {
    byte[] bytes = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      bytes[i] = (byte) values[i];
    }
    return bytes;
  }

  private static WasmModule module(String wat) {
    return Parser.parse(Wat2Wasm.parse(wat));
  }
}
