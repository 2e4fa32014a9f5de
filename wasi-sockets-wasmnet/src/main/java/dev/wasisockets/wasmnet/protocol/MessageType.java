package dev.wasisockets.wasmnet.protocol;

import java.util.HashMap;
import java.util.Map;

/**
 * Every message of the wasmnet protocol: its name in JSON framing ({@code "op"} for requests,
 * {@code "ev"} for events) and its type byte in binary framing. Requests have the high bit clear,
 * events have it set.
 */
public enum MessageType {
  CONNECT("connect", 0x01),
  BIND("bind", 0x02),
  LISTEN("listen", 0x03),
  SEND("send", 0x04),
  CLOSE("close", 0x05),
  CONNECT_UDP("connect_udp", 0x06),
  SEND_TO("send_to", 0x07),
  RESOLVE("resolve", 0x08),
  CONNECT_TLS("connect_tls", 0x09),

  CONNECTED("connected", 0x81),
  DATA("data", 0x82),
  LISTENING("listening", 0x83),
  ACCEPTED("accepted", 0x84),
  CLOSED("closed", 0x85),
  ERROR("error", 0x86),
  DENIED("denied", 0x87),
  DATA_FROM("data_from", 0x88),
  RESOLVED("resolved", 0x89),
  UDP_BOUND("udp_bound", 0x8A);

  private static final Map<String, MessageType> BY_NAME = new HashMap<>();
  private static final MessageType[] BY_CODE = new MessageType[256];

  static {
    for (MessageType type : values()) {
      BY_NAME.put(type.jsonName, type);
      BY_CODE[type.code] = type;
    }
  }

  private final String jsonName;
  private final int code;

  MessageType(String jsonName, int code) {
    this.jsonName = jsonName;
    this.code = code;
  }

  public String jsonName() {
    return jsonName;
  }

  /** The type byte of binary framing, 0 to 255. */
  public int code() {
    return code;
  }

  public boolean isRequest() {
    return code < 0x80;
  }

  /** The type named {@code name} in JSON framing, or null. */
  static MessageType ofJsonName(String name) {
    return BY_NAME.get(name);
  }

  /** The type with binary type byte {@code code} (0 to 255), or null. */
  static MessageType ofCode(int code) {
    return BY_CODE[code & 0xFF];
  }
}
