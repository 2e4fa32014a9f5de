package dev.wasisockets.abi;

/**
 * Which socket ABI a guest speaks. They share the module name {@code wasi_snapshot_preview1}, and
 * two of them share {@code sock_connect}'s name and Wasm type with different meanings, so the host
 * must choose before linking.
 */
public enum Dialect {
  /**
   * Decide from the module's imports: any WasmEdge-only import ({@code sock_open}, {@code
   * sock_bind}, {@code sock_listen}, {@code sock_getaddrinfo}, {@code sock_getlocaladdr}, {@code
   * sock_getpeeraddr}, {@code sock_recv_from}, {@code sock_send_to}, {@code sock_getsockopt},
   * {@code sock_setsockopt}, {@code epoll_oneoff}) or a two-argument {@code sock_accept} means
   * {@link #WASMEDGE}; otherwise a {@code sock_connect} import means {@link #LEGACY_2020} (a
   * WasmEdge guest cannot use connect without sock_open); otherwise {@link #PREVIEW1}.
   */
  AUTO,
  /** WASI preview 1 alone: preopened sockets, sock_accept/recv/send/shutdown, poll_oneoff. */
  PREVIEW1,
  /** Preview 1 plus the WasmEdge socket extension, V1 or V2 per function by signature. */
  WASMEDGE,
  /**
   * Preview 1 plus the 2020 experimental {@code sock_connect(ipv4, port, *fd)} of the article that
   * patched wasmtime.
   */
  LEGACY_2020;

  /** The name {@code --abi} takes and messages use: auto, preview1, wasmedge, legacy2020. */
  public String flagName() {
    return name().toLowerCase(java.util.Locale.ROOT).replace("_", "");
  }
}
