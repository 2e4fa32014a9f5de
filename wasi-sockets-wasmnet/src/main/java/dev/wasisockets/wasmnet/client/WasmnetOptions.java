package dev.wasisockets.wasmnet.client;

import dev.wasisockets.wasmnet.protocol.Framing;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link WasmnetTransport} talks to its server.
 *
 * @param framing binary (the default: data travels raw) or JSON (base64 data)
 * @param token a bearer token the server asks for, sent as {@code Authorization: Bearer}; or null
 * @param answerTimeout how long to wait for the WebSocket to open and for answers a guest call
 *     waits on (listening, a UDP socket bound, a lookup)
 */
public record WasmnetOptions(Framing framing, String token, Duration answerTimeout) {
  public static final WasmnetOptions DEFAULT =
      new WasmnetOptions(Framing.BINARY, null, Duration.ofSeconds(30));

  public WasmnetOptions {
    Objects.requireNonNull(framing);
    if (answerTimeout.isNegative() || answerTimeout.isZero()) {
      throw new IllegalArgumentException("the answer timeout must be positive");
    }
  }

  public WasmnetOptions withFraming(Framing value) {
    return new WasmnetOptions(value, token, answerTimeout);
  }

  public WasmnetOptions withToken(String value) {
    return new WasmnetOptions(framing, value, answerTimeout);
  }
}
