/**
 * WASI sockets for Chicory: the socket host functions of three dialects, one descriptor table with
 * Chicory's WASI, the policy and limiter core, and the direct transport (OS sockets). Chicory alone
 * at runtime.
 *
 * <p>The compiler is optional: an application that compiles guests ({@code
 * dev.wasisockets.compile}) requires {@code com.dylibso.chicory.compiler} itself.
 */
module dev.wasisockets {
  requires transitive com.dylibso.chicory.runtime;
  requires transitive com.dylibso.chicory.wasi;
  requires static com.dylibso.chicory.compiler;
  // Only at compile time: @HostModule's processor writes the bindings, marked @Generated.
  requires static com.dylibso.chicory.annotations;
  requires static java.compiler;
  // sun.misc.Unsafe.invokeCleaner frees a guest memory's old buffer at once (DirectBufferRelease).
  requires jdk.unsupported;
  // Flight Recorder events of a guest's network activity (dev.wasisockets.core.events).
  requires jdk.jfr;

  exports dev.wasisockets;
  exports dev.wasisockets.abi;
  exports dev.wasisockets.address;
  exports dev.wasisockets.compile;
  exports dev.wasisockets.core;
  exports dev.wasisockets.core.events;
  exports dev.wasisockets.policy;
  exports dev.wasisockets.transport;
  exports dev.wasisockets.transport.direct;
  exports dev.wasisockets.transport.virtual;
}
