package dev.wasisockets.wasmnet.protocol;

/** How wasmnet messages travel: JSON in text frames, or the compact binary framing. */
public enum Framing {
  JSON,
  BINARY
}
