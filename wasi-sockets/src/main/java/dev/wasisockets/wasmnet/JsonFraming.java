package dev.wasisockets.wasmnet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * wasmnet's JSON framing: one object per text frame, requests tagged by {@code "op"}, events by
 * {@code "ev"}, every one with the numeric {@code "id"}; bytes are standard base64 in {@code
 * "data"}. Unknown fields are ignored, as wasmnet's server does; a missing or ill-typed field, a
 * repeated key or trailing text is refused.
 */
public final class JsonFraming {
  private static final JsonMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();
  private static final BigInteger MAX_ID = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  private JsonFraming() {}

  public static String encode(Request request) {
    ObjectNode json = tagged("op", request.type(), request.id());
    if (request instanceof Request.Addressed r) {
      json.put("addr", r.addr()).put("port", r.port());
    }
    if (request instanceof Request.Listen r) {
      json.put("backlog", r.backlog());
    } else if (request instanceof Request.Send r) {
      json.put("data", base64(r.data()));
    } else if (request instanceof Request.SendTo r) {
      json.put("data", base64(r.data()));
    } else if (request instanceof Request.Resolve r) {
      json.put("name", r.name());
    }
    return json.toString();
  }

  public static String encode(Event event) {
    ObjectNode json = tagged("ev", event.type(), event.id());
    if (event instanceof Event.Data e) {
      json.put("data", base64(e.data()));
    } else if (event instanceof Event.DataFrom e) {
      json.put("data", base64(e.data())).put("addr", e.addr()).put("port", e.port());
    } else if (event instanceof Event.Listening e) {
      json.put("port", e.port());
    } else if (event instanceof Event.UdpBound e) {
      json.put("port", e.port());
    } else if (event instanceof Event.Accepted e) {
      json.put("conn_id", unsigned(e.connId())).put("remote", e.remote());
    } else if (event instanceof Event.Error e) {
      json.put("msg", e.msg());
    } else if (event instanceof Event.Denied e) {
      json.put("msg", e.msg());
    } else if (event instanceof Event.Resolved e) {
      ArrayNode addrs = json.putArray("addrs");
      e.addrs().forEach(addrs::add);
    }
    return json.toString();
  }

  public static Request decodeRequest(String text) throws ProtocolException {
    Fields in = Fields.parse(text);
    MessageType type = in.type("op");
    if (!type.isRequest()) {
      throw new ProtocolException(in.id, "unknown op \"" + type.jsonName() + "\"");
    }
    return switch (type) {
      case CONNECT -> new Request.Connect(in.id, in.text("addr"), in.port());
      case CONNECT_TLS -> new Request.ConnectTls(in.id, in.text("addr"), in.port());
      case CONNECT_UDP -> new Request.ConnectUdp(in.id, in.text("addr"), in.port());
      case BIND -> new Request.Bind(in.id, in.text("addr"), in.port());
      case LISTEN ->
          new Request.Listen(
              in.id,
              in.has("backlog")
                  ? in.unsigned("backlog", 0xFFFF_FFFFL)
                  : Request.Listen.DEFAULT_BACKLOG);
      case SEND -> new Request.Send(in.id, in.bytes());
      case SEND_TO -> new Request.SendTo(in.id, in.text("addr"), in.port(), in.bytes());
      case CLOSE -> new Request.Close(in.id);
      case RESOLVE -> new Request.Resolve(in.id, in.text("name"));
      default -> throw new IllegalStateException(type.name()); // isRequest() ruled events out
    };
  }

  public static Event decodeEvent(String text) throws ProtocolException {
    Fields in = Fields.parse(text);
    MessageType type = in.type("ev");
    if (type.isRequest()) {
      throw new ProtocolException(in.id, "unknown ev \"" + type.jsonName() + "\"");
    }
    return switch (type) {
      case CONNECTED -> new Event.Connected(in.id);
      case CLOSED -> new Event.Closed(in.id);
      case DATA -> new Event.Data(in.id, in.bytes());
      case DATA_FROM -> new Event.DataFrom(in.id, in.text("addr"), in.port(), in.bytes());
      case LISTENING -> new Event.Listening(in.id, in.port());
      case UDP_BOUND -> new Event.UdpBound(in.id, in.port());
      case ACCEPTED -> new Event.Accepted(in.id, in.unsignedId("conn_id"), in.text("remote"));
      case ERROR -> new Event.Error(in.id, in.text("msg"));
      case DENIED -> new Event.Denied(in.id, in.text("msg"));
      case RESOLVED -> new Event.Resolved(in.id, addressList(in.field("addrs"), in.id));
      default -> throw new IllegalStateException(type.name()); // isRequest() ruled these out
    };
  }

  /** A JSON array of address strings: the payload of a binary {@code resolved}. */
  static byte[] addressList(List<String> addrs) {
    ArrayNode array = MAPPER.createArrayNode();
    addrs.forEach(array::add);
    return array.toString().getBytes(StandardCharsets.UTF_8);
  }

  static List<String> readAddressList(byte[] json, long id) throws ProtocolException {
    try {
      return addressList(MAPPER.readTree(json), id);
    } catch (IOException e) {
      throw new ProtocolException(id, "resolved: addresses are not JSON");
    }
  }

  private static List<String> addressList(JsonNode array, long id) throws ProtocolException {
    if (array == null || !array.isArray()) {
      throw new ProtocolException(id, "resolved: addrs must be an array of strings");
    }
    List<String> addrs = new ArrayList<>(array.size());
    for (JsonNode addr : array) {
      if (!addr.isTextual()) {
        throw new ProtocolException(id, "resolved: addrs must be an array of strings");
      }
      addrs.add(addr.textValue());
    }
    return addrs;
  }

  private static ObjectNode tagged(String tag, MessageType type, long id) {
    ObjectNode json = MAPPER.createObjectNode().put(tag, type.jsonName());
    json.put("id", unsigned(id));
    return json;
  }

  private static BigInteger unsigned(long value) {
    return new BigInteger(Long.toUnsignedString(value));
  }

  private static String base64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  /** One message's fields, read with the id in hand so every complaint can name it. */
  private static final class Fields {
    private final JsonNode json;
    private final long id;

    private Fields(JsonNode json, long id) {
      this.json = json;
      this.id = id;
    }

    static Fields parse(String text) throws ProtocolException {
      JsonNode json;
      try {
        json = MAPPER.readTree(text);
      } catch (JsonProcessingException e) {
        throw new ProtocolException(0, "invalid JSON: " + e.getOriginalMessage());
      }
      if (json == null || !json.isObject()) {
        throw new ProtocolException(0, "a message must be a JSON object");
      }
      return new Fields(json, new Fields(json, 0).unsignedId("id"));
    }

    boolean has(String name) {
      return json.has(name) && !json.get(name).isNull();
    }

    JsonNode field(String name) throws ProtocolException {
      JsonNode value = json.get(name);
      if (value == null || value.isNull()) {
        throw new ProtocolException(id, "missing field \"" + name + "\"");
      }
      return value;
    }

    MessageType type(String tag) throws ProtocolException {
      String name = text(tag);
      MessageType type = MessageType.ofJsonName(name);
      if (type == null) {
        throw new ProtocolException(id, "unknown " + tag + " \"" + name + "\"");
      }
      return type;
    }

    String text(String name) throws ProtocolException {
      JsonNode value = field(name);
      if (!value.isTextual()) {
        throw new ProtocolException(id, "field \"" + name + "\" must be a string");
      }
      return value.textValue();
    }

    /** An integer in 0..2^64-1, as the bits of a long. */
    long unsignedId(String name) throws ProtocolException {
      JsonNode value = field(name);
      if (!value.isIntegralNumber()
          || value.bigIntegerValue().signum() < 0
          || value.bigIntegerValue().compareTo(MAX_ID) > 0) {
        throw new ProtocolException(id, "field \"" + name + "\" must be an integer in 0..2^64-1");
      }
      return value.bigIntegerValue().longValue();
    }

    long unsigned(String name, long max) throws ProtocolException {
      JsonNode value = field(name);
      if (!value.isIntegralNumber()
          || !value.canConvertToLong()
          || value.longValue() < 0
          || value.longValue() > max) {
        throw new ProtocolException(id, "field \"" + name + "\" must be an integer in 0.." + max);
      }
      return value.longValue();
    }

    int port() throws ProtocolException {
      return (int) unsigned("port", 0xFFFF);
    }

    byte[] bytes() throws ProtocolException {
      try {
        return Base64.getDecoder().decode(text("data"));
      } catch (IllegalArgumentException e) {
        throw new ProtocolException(id, "field \"data\" is not base64: " + e.getMessage());
      }
    }
  }
}
