package dev.wasisockets.wasmnet.protocol;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * wasmnet's binary framing: {@code [1 byte type][8 byte id, big-endian][payload]}, data as raw
 * bytes. Payloads (all integers big-endian, all text UTF-8):
 *
 * <ul>
 *   <li>connect, connect_tls, connect_udp, bind: {@code [2 port][address]}
 *   <li>listen: {@code [4 backlog]}, or empty for the default 128
 *   <li>send, data: the bytes; close, connected, closed: empty
 *   <li>send_to, data_from: {@code [2 port][2 address length][address][bytes]}
 *   <li>resolve: the name; resolved: a JSON array of address strings
 *   <li>listening, udp_bound: {@code [2 port]}; accepted: {@code [8 conn id][remote host:port]}
 *   <li>error, denied: the message
 * </ul>
 */
public final class BinaryFraming {
  /** Type byte and id. */
  public static final int HEADER_BYTES = 9;

  private BinaryFraming() {}

  public static byte[] encode(Request request) {
    MessageType type = request.type();
    long id = request.id();
    return switch (type) {
      case CONNECT, CONNECT_TLS, CONNECT_UDP, BIND -> {
        Request.Addressed r = (Request.Addressed) request;
        yield addressed(type, id, r.addr(), r.port());
      }
      case SEND_TO -> {
        Request.SendTo r = (Request.SendTo) request;
        yield datagram(type, id, r.addr(), r.port(), r.data());
      }
      case LISTEN -> frame(type, id, 4).putInt((int) ((Request.Listen) request).backlog()).array();
      case SEND -> withBytes(type, id, ((Request.Send) request).data());
      case CLOSE -> frame(type, id, 0).array();
      case RESOLVE -> withText(type, id, ((Request.Resolve) request).name());
      default -> throw new IllegalArgumentException(type + " is not a request");
    };
  }

  public static byte[] encode(Event event) {
    MessageType type = event.type();
    long id = event.id();
    return switch (type) {
      case CONNECTED, CLOSED -> frame(type, id, 0).array();
      case DATA -> withBytes(type, id, ((Event.Data) event).data());
      case DATA_FROM -> {
        Event.DataFrom e = (Event.DataFrom) event;
        yield datagram(type, id, e.addr(), e.port(), e.data());
      }
      case LISTENING -> withPort(type, id, ((Event.Listening) event).port());
      case UDP_BOUND -> withPort(type, id, ((Event.UdpBound) event).port());
      case ACCEPTED -> {
        Event.Accepted e = (Event.Accepted) event;
        byte[] remote = e.remote().getBytes(StandardCharsets.UTF_8);
        yield frame(type, id, 8 + remote.length).putLong(e.connId()).put(remote).array();
      }
      case ERROR -> withText(type, id, ((Event.Error) event).msg());
      case DENIED -> withText(type, id, ((Event.Denied) event).msg());
      case RESOLVED ->
          withBytes(type, id, JsonFraming.addressList(((Event.Resolved) event).addrs()));
      default -> throw new IllegalArgumentException(type + " is not an event");
    };
  }

  /** The 9 bytes that start a frame of {@code type} for {@code id}; its payload follows. */
  public static byte[] header(MessageType type, long id) {
    return frame(type, id, 0).array();
  }

  /** Reads a request from a whole frame (position to limit). */
  public static Request decodeRequest(ByteBuffer frame) throws ProtocolException {
    ByteBuffer in = frame.slice();
    long id = header(in);
    MessageType type = MessageType.ofCode(in.get(0));
    if (type == null || !type.isRequest()) {
      throw new ProtocolException(id, String.format("unknown request type 0x%02x", in.get(0)));
    }
    try {
      return switch (type) {
        case CONNECT, CONNECT_TLS, CONNECT_UDP, BIND -> {
          int port = port(in);
          yield addressedRequest(type, id, text(in, id), port);
        }
        case LISTEN ->
            new Request.Listen(
                id,
                in.remaining() >= 4
                    ? Integer.toUnsignedLong(in.getInt())
                    : Request.Listen.DEFAULT_BACKLOG);
        case SEND -> new Request.Send(id, rest(in));
        case CLOSE -> new Request.Close(id);
        case SEND_TO -> {
          int port = port(in);
          yield new Request.SendTo(id, prefixedText(in, id), port, rest(in));
        }
        case RESOLVE -> new Request.Resolve(id, text(in, id));
        default -> throw new IllegalStateException(type.name()); // isRequest() ruled events out
      };
    } catch (BufferUnderflowException e) {
      throw new ProtocolException(id, type.jsonName() + " frame too short");
    }
  }

  /** Reads an event from a whole frame (position to limit). */
  public static Event decodeEvent(ByteBuffer frame) throws ProtocolException {
    ByteBuffer in = frame.slice();
    long id = header(in);
    MessageType type = MessageType.ofCode(in.get(0));
    if (type == null || type.isRequest()) {
      throw new ProtocolException(id, String.format("unknown event type 0x%02x", in.get(0)));
    }
    try {
      return switch (type) {
        case CONNECTED -> new Event.Connected(id);
        case CLOSED -> new Event.Closed(id);
        case DATA -> new Event.Data(id, rest(in));
        case DATA_FROM -> {
          int port = port(in);
          String addr = prefixedText(in, id);
          yield new Event.DataFrom(id, addr, port, rest(in));
        }
        case LISTENING -> new Event.Listening(id, port(in));
        case UDP_BOUND -> new Event.UdpBound(id, port(in));
        case ACCEPTED -> new Event.Accepted(id, in.getLong(), text(in, id));
        case ERROR -> new Event.Error(id, text(in, id));
        case DENIED -> new Event.Denied(id, text(in, id));
        case RESOLVED -> new Event.Resolved(id, JsonFraming.readAddressList(rest(in), id));
        default -> throw new IllegalStateException(type.name()); // isRequest() ruled these out
      };
    } catch (BufferUnderflowException e) {
      throw new ProtocolException(id, type.jsonName() + " frame too short");
    }
  }

  /** Checks the header's length and reads the id, leaving {@code in} at the payload. */
  private static long header(ByteBuffer in) throws ProtocolException {
    if (in.remaining() < HEADER_BYTES) {
      throw new ProtocolException(0, "binary frame too short: " + in.remaining() + " bytes");
    }
    in.get();
    return in.getLong();
  }

  private static int port(ByteBuffer in) {
    return Short.toUnsignedInt(in.getShort());
  }

  private static byte[] rest(ByteBuffer in) {
    byte[] bytes = new byte[in.remaining()];
    in.get(bytes);
    return bytes;
  }

  /** The rest of the frame as text. */
  private static String text(ByteBuffer in, long id) throws ProtocolException {
    return utf8(in, in.remaining(), id);
  }

  /** Text after a 2-byte length. */
  private static String prefixedText(ByteBuffer in, long id) throws ProtocolException {
    int length = Short.toUnsignedInt(in.getShort());
    if (length > in.remaining()) {
      throw new ProtocolException(id, "address length " + length + " runs past the frame");
    }
    return utf8(in, length, id);
  }

  private static String utf8(ByteBuffer in, int length, long id) throws ProtocolException {
    ByteBuffer bytes = in.slice().limit(length);
    in.position(in.position() + length);
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(bytes)
          .toString();
    } catch (CharacterCodingException e) {
      throw new ProtocolException(id, "text is not UTF-8");
    }
  }

  private static Request addressedRequest(MessageType type, long id, String addr, int port) {
    return switch (type) {
      case CONNECT -> new Request.Connect(id, addr, port);
      case CONNECT_TLS -> new Request.ConnectTls(id, addr, port);
      case CONNECT_UDP -> new Request.ConnectUdp(id, addr, port);
      case BIND -> new Request.Bind(id, addr, port);
      default -> throw new IllegalArgumentException(type + " carries no address");
    };
  }

  private static ByteBuffer frame(MessageType type, long id, int payloadBytes) {
    return ByteBuffer.allocate(HEADER_BYTES + payloadBytes).put((byte) type.code()).putLong(id);
  }

  private static byte[] addressed(MessageType type, long id, String addr, int port) {
    byte[] address = addr.getBytes(StandardCharsets.UTF_8);
    return frame(type, id, 2 + address.length).putShort((short) port).put(address).array();
  }

  private static byte[] datagram(MessageType type, long id, String addr, int port, byte[] data) {
    byte[] address = addr.getBytes(StandardCharsets.UTF_8);
    return frame(type, id, 4 + address.length + data.length)
        .putShort((short) port)
        .putShort((short) address.length)
        .put(address)
        .put(data)
        .array();
  }

  private static byte[] withPort(MessageType type, long id, int port) {
    return frame(type, id, 2).putShort((short) port).array();
  }

  private static byte[] withBytes(MessageType type, long id, byte[] bytes) {
    return frame(type, id, bytes.length).put(bytes).array();
  }

  private static byte[] withText(MessageType type, long id, String text) {
    return withBytes(type, id, text.getBytes(StandardCharsets.UTF_8));
  }
}
