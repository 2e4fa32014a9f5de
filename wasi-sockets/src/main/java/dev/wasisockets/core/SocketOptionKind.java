package dev.wasisockets.core;

/**
 * The socket options guests may read or set, independent of how a dialect numbers them. Values
 * cross as a {@code long}: 0/1 for flags, bytes for buffer sizes, seconds for {@link #LINGER} (-1:
 * off), nanoseconds for the timeouts (0: none), a WASI errno for {@link #ERROR}, 1 (dgram) or 2
 * (stream) for {@link #TYPE}.
 */
public enum SocketOptionKind {
  REUSEADDR,
  TYPE,
  ERROR,
  BROADCAST,
  SNDBUF,
  RCVBUF,
  KEEPALIVE,
  LINGER,
  RCVTIMEO,
  SNDTIMEO,
  ACCEPTCONN,
  TCP_NODELAY
}
