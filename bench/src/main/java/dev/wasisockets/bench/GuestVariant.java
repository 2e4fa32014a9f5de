package dev.wasisockets.bench;

import dev.wasisockets.WasiSockets;
import dev.wasisockets.compile.GuestCompiler;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * How a guest server row runs its guest, by name: Chicory's mode, the server JVM's options and what
 * the {@link WasiSockets.Builder} gets beyond the guest's arguments, listener and policy. This is
 * the one place those are set; a row names its variant, so a new variant (a builder setting on or
 * off) is one line here and its name in {@link ServerBenchmarks#VARIANTS}.
 *
 * @param name what the table's mode column says
 * @param jvmOptions for the server's JVM
 * @param sockets applied to the builder last, in the server's JVM
 */
record GuestVariant(
    String name,
    GuestCompiler.Mode mode,
    List<String> jvmOptions,
    Consumer<WasiSockets.Builder> sockets) {

  /**
   * What the launcher script ({@code runtime-host/src/main/bin/wasi-sockets}) gives every guest:
   * HotSpot never JIT-compiles a method over 8,000 bytes of bytecode otherwise, and Chicory makes
   * each of a large guest's largest functions (Go's) one such method.
   */
  private static final List<String> LAUNCHER_JVM_OPTIONS = List.of("-XX:-DontCompileHugeMethods");

  static GuestVariant named(String name) {
    return switch (name) {
      case "compiler" ->
          new GuestVariant(name, GuestCompiler.Mode.COMPILER, LAUNCHER_JVM_OPTIONS, b -> {});
      case "compiler, spin 50 us" ->
          new GuestVariant(
              name,
              GuestCompiler.Mode.COMPILER,
              LAUNCHER_JVM_OPTIONS,
              b -> b.withSpin(Duration.ofNanos(50_000)));
      case "interpreter" ->
          new GuestVariant(name, GuestCompiler.Mode.INTERPRETER, LAUNCHER_JVM_OPTIONS, b -> {});
      default -> throw new IllegalArgumentException("unknown guest variant " + name);
    };
  }
}
