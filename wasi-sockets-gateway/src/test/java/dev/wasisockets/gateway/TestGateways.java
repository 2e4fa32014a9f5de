package dev.wasisockets.gateway;

import dev.wasisockets.policy.NetworkPolicy;

/** Gateways for tests: on loopback, with a policy that allows loopback (the default denies it). */
final class TestGateways {
  static final NetworkPolicy ALLOW_ALL = NetworkPolicy.builder().allowAll().build();

  private TestGateways() {}

  static WasmnetGateway.Builder onLoopback() {
    return WasmnetGateway.builder().host("127.0.0.1").port(0).policy(ALLOW_ALL);
  }
}
