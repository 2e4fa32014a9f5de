package dev.wasisockets.wasmnet.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * wasmnet's JSON framing: one object per text frame, requests tagged by {@code "op"}, events by
 * {@code "ev"}, every one with the numeric {@code "id"}; bytes are standard base64 in {@code
 * "data"}. Unknown fields are ignored, as wasmnet's server does; a missing or ill-typed field, a
 * repeated key or trailing text is refused.
 *
 * <p>Messages are flat, so Jackson's streaming parser and generator ({@code jackson-core}) are all
 * this needs: no object mapping, no tree.
 */
public final class JsonFraming {
  private static final JsonFactory FACTORY =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final BigInteger MAX_ID = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
  private static final BigInteger MAX_LONG = BigInteger.valueOf(Long.MAX_VALUE);

  private JsonFraming() {}

  public static String encode(Request request) {
    return write(
        json -> {
          tag(json, "op", request.type(), request.id());
          if (request instanceof Request.Addressed r) {
            json.writeStringField("addr", r.addr());
            json.writeNumberField("port", r.port());
          }
          if (request instanceof Request.Listen r) {
            json.writeNumberField("backlog", r.backlog());
          } else if (request instanceof Request.Send r) {
            json.writeStringField("data", base64(r.data()));
          } else if (request instanceof Request.SendTo r) {
            json.writeStringField("data", base64(r.data()));
          } else if (request instanceof Request.Resolve r) {
            json.writeStringField("name", r.name());
          }
        });
  }

  public static String encode(Event event) {
    return write(
        json -> {
          tag(json, "ev", event.type(), event.id());
          if (event instanceof Event.Data e) {
            json.writeStringField("data", base64(e.data()));
          } else if (event instanceof Event.DataFrom e) {
            json.writeStringField("data", base64(e.data()));
            json.writeStringField("addr", e.addr());
            json.writeNumberField("port", e.port());
          } else if (event instanceof Event.Listening e) {
            json.writeNumberField("port", e.port());
          } else if (event instanceof Event.UdpBound e) {
            json.writeNumberField("port", e.port());
          } else if (event instanceof Event.Accepted e) {
            json.writeFieldName("conn_id");
            json.writeNumber(Long.toUnsignedString(e.connId()));
            json.writeStringField("remote", e.remote());
          } else if (event instanceof Event.Error e) {
            json.writeStringField("msg", e.msg());
          } else if (event instanceof Event.Denied e) {
            json.writeStringField("msg", e.msg());
          } else if (event instanceof Event.Resolved e) {
            json.writeFieldName("addrs");
            writeStrings(json, e.addrs());
          }
        });
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
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator json = FACTORY.createGenerator(out)) {
      writeStrings(json, addrs);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array never fails
    }
    return out.toByteArray();
  }

  static List<String> readAddressList(byte[] json, long id) throws ProtocolException {
    Object addrs;
    try (JsonParser parser = FACTORY.createParser(json)) {
      addrs = value(parser, parser.nextToken());
      if (parser.nextToken() != null) {
        throw new ProtocolException(id, "resolved: addresses are not JSON");
      }
    } catch (IOException e) {
      throw new ProtocolException(id, "resolved: addresses are not JSON");
    }
    return addressList(addrs, id);
  }

  private static List<String> addressList(Object array, long id) throws ProtocolException {
    if (!(array instanceof List<?> values)) {
      throw new ProtocolException(id, "resolved: addrs must be an array of strings");
    }
    List<String> addrs = new ArrayList<>(values.size());
    for (Object addr : values) {
      if (!(addr instanceof String text)) {
        throw new ProtocolException(id, "resolved: addrs must be an array of strings");
      }
      addrs.add(text);
    }
    return addrs;
  }

  /**
   * One value as this framing uses it: a String, a BigInteger for an integer, a List of such for an
   * array, null for JSON null or nothing; anything else (booleans, fractions, objects, arrays in
   * arrays) is its token, which no field accepts. Objects are skipped, not read.
   */
  private static Object value(JsonParser parser, JsonToken token) throws IOException {
    if (token == null || token == JsonToken.VALUE_NULL) {
      return null;
    }
    return switch (token) {
      case VALUE_STRING -> parser.getText();
      case VALUE_NUMBER_INT -> parser.getBigIntegerValue();
      case START_ARRAY -> {
        List<Object> elements = new ArrayList<>();
        for (JsonToken next = parser.nextToken();
            next != JsonToken.END_ARRAY;
            next = parser.nextToken()) {
          elements.add(next == JsonToken.VALUE_STRING ? parser.getText() : skip(parser, next));
        }
        yield elements;
      }
      default -> skip(parser, token);
    };
  }

  private static JsonToken skip(JsonParser parser, JsonToken token) throws IOException {
    parser.skipChildren(); // only moves for an object or an array
    return token;
  }

  private static void tag(JsonGenerator json, String tag, MessageType type, long id)
      throws IOException {
    json.writeStringField(tag, type.jsonName());
    json.writeFieldName("id");
    json.writeNumber(Long.toUnsignedString(id)); // ids are u64
  }

  private static void writeStrings(JsonGenerator json, List<String> values) throws IOException {
    json.writeStartArray();
    for (String value : values) {
      json.writeString(value);
    }
    json.writeEndArray();
  }

  private static String write(FieldWriter fields) {
    StringWriter text = new StringWriter();
    try (JsonGenerator json = FACTORY.createGenerator(text)) {
      json.writeStartObject();
      fields.write(json);
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter never fails
    }
    return text.toString();
  }

  private static String base64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  /** Writes a message's fields into its object. */
  private interface FieldWriter {
    void write(JsonGenerator json) throws IOException;
  }

  /** One message's fields, read with the id in hand so every complaint can name it. */
  private static final class Fields {
    private final Map<String, Object> values;
    private final long id;

    private Fields(Map<String, Object> values, long id) {
      this.values = values;
      this.id = id;
    }

    static Fields parse(String text) throws ProtocolException {
      Map<String, Object> values = new HashMap<>();
      try (JsonParser parser = FACTORY.createParser(text)) {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
          throw new ProtocolException(0, "a message must be a JSON object");
        }
        for (JsonToken next = parser.nextToken();
            next == JsonToken.FIELD_NAME;
            next = parser.nextToken()) {
          String name = parser.currentName();
          values.put(name, value(parser, parser.nextToken()));
        }
        if (parser.nextToken() != null) {
          throw new ProtocolException(0, "invalid JSON: text after the message's object");
        }
      } catch (JsonProcessingException e) {
        throw new ProtocolException(0, "invalid JSON: " + e.getOriginalMessage());
      } catch (IOException e) {
        throw new ProtocolException(0, "invalid JSON: " + e.getMessage());
      }
      return new Fields(values, new Fields(values, 0).unsignedId("id"));
    }

    boolean has(String name) {
      return values.get(name) != null;
    }

    Object field(String name) throws ProtocolException {
      Object value = values.get(name);
      if (value == null) {
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
      if (!(field(name) instanceof String text)) {
        throw new ProtocolException(id, "field \"" + name + "\" must be a string");
      }
      return text;
    }

    /** An integer in 0..2^64-1, as the bits of a long. */
    long unsignedId(String name) throws ProtocolException {
      if (!(field(name) instanceof BigInteger value)
          || value.signum() < 0
          || value.compareTo(MAX_ID) > 0) {
        throw new ProtocolException(id, "field \"" + name + "\" must be an integer in 0..2^64-1");
      }
      return value.longValue();
    }

    long unsigned(String name, long max) throws ProtocolException {
      if (!(field(name) instanceof BigInteger value)
          || value.signum() < 0
          || value.compareTo(MAX_LONG) > 0
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
