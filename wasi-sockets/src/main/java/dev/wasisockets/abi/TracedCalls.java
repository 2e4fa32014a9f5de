package dev.wasisockets.abi;

import com.dylibso.chicory.runtime.Memory;
import dev.wasisockets.address.IpLiteral;
import dev.wasisockets.core.Errno;
import dev.wasisockets.core.ErrnoException;
import dev.wasisockets.core.SocketOptionKind;
import dev.wasisockets.policy.LogText;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How one traced import reads as a line: {@code name(arguments) = result}, the arguments decoded
 * from the Wasm values and guest memory as the import's adapter reads them (abi.md has every
 * layout), the result from the errno and what the call wrote back. Decoding happens after the call,
 * so it sees the out-values; the in-values are still where the guest put them (a host function
 * writes only to out-pointers). A value that does not decode (a bad pointer: the call's EFAULT) is
 * shown as the guest passed it.
 */
final class TracedCalls {
  private static final int MAX_LISTED_SUBSCRIPTIONS = 16;
  private static final int MAX_TEXT = 256;
  private static final String[] ERRNO_NAMES = errnoNames();
  private static final int RO_DATA_TRUNCATED = 1;

  private final String name;
  private final Dialect dialect;
  private final int dataBytes;

  TracedCalls(String name, Dialect dialect, int dataBytes) {
    this.name = name;
    this.dialect = dialect;
    this.dataBytes = dataBytes;
  }

  /** The line for one call of this import: {@code errno} is what the guest got back. */
  String line(Memory memory, long[] args, int errno, ErrnoException failure) {
    GuestMemory guest = memory == null ? null : new GuestMemory(memory);
    Values in = new Values(guest, args);
    String result = errno == 0 ? success(in) : failure(errno, failure);
    String data = errno == 0 && dataBytes > 0 ? data(in) : "";
    return name + "(" + arguments(in) + ") = " + result + data;
  }

  /** The line when decoding failed unforeseen: the raw values, the result, what went wrong. */
  String undecoded(long[] args, int errno, RuntimeException problem) {
    StringBuilder raw = new StringBuilder();
    for (long arg : args) {
      raw.append(raw.length() == 0 ? "" : ", ").append("0x").append(Long.toHexString(arg));
    }
    return name
        + "("
        + raw
        + ") = "
        + (errno == 0 ? "0" : errnoName(errno))
        + " (trace: cannot decode: "
        + problem
        + ")";
  }

  private String arguments(Values in) {
    return switch (name) {
      case "sock_open" -> family(in.i32(0)) + ", " + socketType(in.i32(1));
      case "sock_bind" -> fd(in) + ", " + in.address(1, in.i32(2));
      case "sock_listen" -> fd(in) + ", backlog " + in.i32(1);
      case "sock_connect" ->
          dialect == Dialect.LEGACY_2020
              ? IpLiteral.format(
                  new InetSocketAddress(Legacy2020Sockets.address(in.i32(0)), in.i32(1) & 0xFFFF))
              : fd(in) + ", " + in.address(1, in.i32(2));
      case "sock_accept" -> in.count() == 3 ? fd(in) + ", flags " + in.i32(1) : fd(in);
      case "sock_recv" -> fd(in) + ", " + in.capacity(1, 2, "") + flags(in, 3);
      case "fd_read" -> fd(in) + ", " + in.capacity(1, 2, "");
      case "sock_send", "fd_write" -> fd(in) + ", " + in.capacity(1, 2, " bytes");
      case "sock_recv_from" -> fd(in) + ", " + in.capacity(1, 2, "") + flags(in, 4);
      case "sock_send_to" ->
          fd(in) + ", " + in.capacity(1, 2, " bytes") + ", " + in.address(3, in.i32(4));
      case "sock_shutdown" -> fd(in) + ", " + shutdown(in.i32(1));
      case "sock_getsockopt" -> fd(in) + ", " + option(in.i32(1), in.i32(2));
      case "sock_setsockopt" ->
          fd(in) + ", " + option(in.i32(1), in.i32(2)) + ", " + in.optionValue(3, in.i32(4));
      case "sock_getaddrinfo" -> in.text(0, 1) + ", " + in.text(2, 3);
      case "poll_oneoff", "epoll_oneoff" -> in.subscriptions(0, in.i32(2));
      default -> fd(in); // fd_close, sock_getlocaladdr, sock_getpeeraddr
    };
  }

  private String success(Values in) {
    return switch (name) {
      case "sock_open" -> "fd " + in.outI32(2);
      case "sock_accept" -> "fd " + in.outI32(in.count() - 1);
      case "sock_connect" -> dialect == Dialect.LEGACY_2020 ? "fd " + in.outI32(2) : "0";
      case "sock_recv" -> in.outI32(4) + truncated(in, 5);
      case "sock_send" -> in.outI32(4);
      case "fd_read", "fd_write" -> in.outI32(3);
      case "sock_send_to" -> in.outI32(6);
      case "sock_recv_from" ->
          in.count() == 8
              ? in.outI32(6) + truncated(in, 7) + " from " + in.address(3, in.i32At(5))
              : in.outI32(5) + truncated(in, 6) + " from " + in.address(3, 0);
      case "sock_getlocaladdr", "sock_getpeeraddr" ->
          in.count() == 4 ? in.addressV1(1, 2, 3) : in.address(1, in.i32At(2));
      case "sock_getsockopt" -> in.optionValue(3, in.i32(4));
      case "sock_getaddrinfo" -> in.outI32(7) + " addresses";
      case "poll_oneoff", "epoll_oneoff" -> in.events(0, 1, in.i32(2), 3);
      default -> "0";
    };
  }

  private static String failure(int errno, ErrnoException failure) {
    String errnoName = errnoName(errno);
    String detail = failure == null ? null : failure.detail();
    if (detail != null && detail.startsWith("rule: ")) {
      return errnoName + " (" + detail + ")"; // the policy's rule of an EACCES
    }
    return errnoName;
  }

  /** The first bytes a send sent or a receive received, as escaped text. */
  private String data(Values in) {
    return switch (name) {
      case "sock_send", "sock_recv" -> " " + in.bytes(1, 2, 4, dataBytes);
      case "fd_read", "fd_write" -> " " + in.bytes(1, 2, 3, dataBytes);
      case "sock_send_to" -> " " + in.bytes(1, 2, 6, dataBytes);
      case "sock_recv_from" -> " " + in.bytes(1, 2, in.count() == 8 ? 6 : 5, dataBytes);
      default -> "";
    };
  }

  private static String fd(Values in) {
    return "fd " + in.i32(0);
  }

  private static String flags(Values in, int position) {
    int flags = in.i32(position);
    List<String> names = new ArrayList<>();
    if ((flags & 1) != 0) {
      names.add("PEEK");
    }
    if ((flags & 2) != 0) {
      names.add("WAITALL");
    }
    if ((flags & ~3) != 0) {
      names.add("0x" + Integer.toHexString(flags & ~3));
    }
    return names.isEmpty() ? "" : ", " + String.join("|", names);
  }

  private static String truncated(Values in, int roFlagsPosition) {
    return (in.outU16(roFlagsPosition) & RO_DATA_TRUNCATED) != 0 ? " (truncated)" : "";
  }

  static String errnoName(int code) {
    return code >= 0 && code < ERRNO_NAMES.length && ERRNO_NAMES[code] != null
        ? ERRNO_NAMES[code]
        : "errno " + code;
  }

  /** Errno names by code, made once: WASI's codes are small and dense. */
  private static String[] errnoNames() {
    int largest = 0;
    for (Errno errno : Errno.values()) {
      largest = Math.max(largest, errno.code());
    }
    String[] names = new String[largest + 1];
    for (Errno errno : Errno.values()) {
      names[errno.code()] = errno.name();
    }
    return names;
  }

  private static String family(int family) {
    return switch (family) {
      case WasmEdgeAddress.FAMILY_INET4 -> "INET4";
      case WasmEdgeAddress.FAMILY_INET6 -> "INET6";
      default -> "family " + family;
    };
  }

  private static String socketType(int type) {
    return switch (type) {
      case 1 -> "DGRAM";
      case 2 -> "STREAM";
      default -> "type " + type;
    };
  }

  private static String shutdown(int how) {
    return switch (how) {
      case 1 -> "SHUT_RD";
      case 2 -> "SHUT_WR";
      case 3 -> "SHUT_RDWR";
      default -> "how " + how;
    };
  }

  private static String option(int level, int option) {
    try {
      SocketOptionKind kind = WasmEdgeSocketOptions.kind(level, option);
      return kind == SocketOptionKind.TCP_NODELAY ? "TCP_NODELAY" : "SO_" + kind.name();
    } catch (ErrnoException e) {
      return "level " + level + " option " + option;
    }
  }

  /** One call's Wasm values, and the guest memory they point into (null: the guest has none). */
  private static final class Values {
    private final GuestMemory memory;
    private final long[] args;

    Values(GuestMemory memory, long[] args) {
      this.memory = memory;
      this.args = args;
    }

    int count() {
      return args.length;
    }

    int i32(int position) {
      return (int) args[position];
    }

    /** The i32 the call wrote where argument {@code position} points. */
    String outI32(int position) {
      return decoded(() -> "" + memory.readI32(i32(position)), position);
    }

    int outU16(int position) {
      try {
        return memory.readU16(i32(position));
      } catch (RuntimeException e) {
        return 0;
      }
    }

    /** The i32 at the pointer in {@code position}, or 0 if it cannot be read. */
    int i32At(int position) {
      try {
        return memory.readI32(i32(position));
      } catch (RuntimeException e) {
        return 0;
      }
    }

    /** A WasmEdge address descriptor (4, 16 or 128 bytes) with {@code port}. */
    String address(int position, int port) {
      String address =
          decoded(() -> IpLiteral.format(WasmEdgeAddress.read(memory, i32(position), port)), null);
      return address != null ? address : raw(position) + " port " + port;
    }

    /** A V1 address out-value: the buffer, the family (4 or 6) beside it, the port. */
    String addressV1(int bufferPosition, int typePosition, int portPosition) {
      return decoded(
          () -> {
            int descriptor = i32(bufferPosition);
            int length = memory.readI32(typePosition) == 6 ? 16 : 4;
            byte[] raw = memory.read(memory.readI32(descriptor), length);
            InetAddress address = InetAddress.getByAddress(raw);
            return IpLiteral.format(
                new InetSocketAddress(address, memory.readI32(i32(portPosition)) & 0xFFFF));
          },
          bufferPosition);
    }

    /**
     * The total length of an iovec array and {@code unit}, or the array as passed when it does not
     * decode: {@code iovs 0x... (count)}.
     */
    String capacity(int iovsPosition, int countPosition, String unit) {
      String total =
          decoded(
              () -> IoVectors.capacity(memory, i32(iovsPosition), i32(countPosition)) + unit, null);
      return total != null ? total : "iovs " + raw(iovsPosition) + " (" + i32(countPosition) + ")";
    }

    /** Text the guest passed (a name, a service), its first {@link #MAX_TEXT} bytes. */
    String text(int pointerPosition, int lengthPosition) {
      return decoded(
          () -> {
            long length = Integer.toUnsignedLong(i32(lengthPosition));
            memory.check(i32(pointerPosition), length);
            int shown = (int) Math.min(length, MAX_TEXT);
            return LogText.quoted(memory.read(i32(pointerPosition), shown))
                + (length > shown ? "..." : "");
          },
          pointerPosition);
    }

    String optionValue(int pointerPosition, int length) {
      return decoded(
          () -> length == 4 ? "" + memory.readI32(i32(pointerPosition)) : length + " bytes",
          pointerPosition);
    }

    /** The first {@code max} bytes of the iovecs that the call moved (the count it wrote back). */
    String bytes(int iovsPosition, int countPosition, int movedPosition, int max) {
      return decoded(
          () -> {
            int moved = memory.readI32(i32(movedPosition));
            int limit = Math.min(moved, max);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            int iovs = i32(iovsPosition);
            for (int i = 0; i < i32(countPosition) && bytes.size() < limit; i++) {
              int address = memory.readI32(iovs + i * 8);
              long length = Integer.toUnsignedLong(memory.readI32(iovs + i * 8 + 4));
              int take = (int) Math.min(length, limit - bytes.size());
              bytes.writeBytes(memory.read(address, take));
            }
            return LogText.quoted(bytes.toByteArray()) + (moved > limit ? "..." : "");
          },
          iovsPosition);
    }

    String subscriptions(int inPosition, int count) {
      return decoded(
          () -> {
            List<String> listed = new ArrayList<>();
            for (int i = 0; i < Math.min(count, MAX_LISTED_SUBSCRIPTIONS); i++) {
              listed.add(subscription(i32(inPosition) + i * 48));
            }
            if (count > MAX_LISTED_SUBSCRIPTIONS) {
              listed.add("... " + (count - MAX_LISTED_SUBSCRIPTIONS) + " more");
            }
            return "[" + String.join(", ", listed) + "]";
          },
          inPosition);
    }

    /** The events written, each named after the subscription it answers (by userdata and type). */
    String events(int inPosition, int outPosition, int subscriptions, int neventsPosition) {
      return decoded(
          () -> {
            int written = memory.readI32(i32(neventsPosition));
            List<String> events = new ArrayList<>();
            for (int e = 0; e < written; e++) {
              int event = i32(outPosition) + e * 32;
              long userdata = memory.readI64(event);
              int error = memory.readU16(event + 8);
              int type = memory.readU8(event + 10);
              String what = "userdata " + userdata;
              for (int s = 0; s < subscriptions; s++) {
                int at = i32(inPosition) + s * 48;
                if (memory.readI64(at) == userdata && memory.readU8(at + 8) == type) {
                  what = subscription(at);
                  break;
                }
              }
              events.add(error == 0 ? what : what + " " + errnoName(error));
            }
            return written + (written == 1 ? " event " : " events ") + events;
          },
          neventsPosition);
    }

    private String subscription(int at) {
      int type = memory.readU8(at + 8);
      return switch (type) {
        case 0 -> {
          boolean absolute = (memory.readU16(at + 40) & 1) != 0;
          long timeout = memory.readI64(at + 24);
          String clock = memory.readI32(at + 16) == 0 ? "realtime" : "monotonic";
          if (timeout == -1) {
            yield "clock " + clock + " never"; // u64::MAX
          }
          double seconds = Double.parseDouble(Long.toUnsignedString(timeout)) / 1e9;
          yield String.format(
              Locale.ROOT, "clock %s %s %.6fs", clock, absolute ? "at" : "in", seconds);
        }
        case 1 -> "fd " + memory.readI32(at + 16) + " read";
        case 2 -> "fd " + memory.readI32(at + 16) + " write";
        default -> "type " + type;
      };
    }

    /** {@code decode}, or the raw value at {@code position} in hex when it does not decode. */
    private String decoded(Decoding decode, int position) {
      String value = decoded(decode, null);
      return value != null ? value : raw(position);
    }

    /** {@code decode}, or {@code otherwise} when it does not decode. */
    private String decoded(Decoding decode, String otherwise) {
      if (memory == null) {
        return otherwise;
      }
      try {
        return decode.get();
      } catch (Exception e) {
        return otherwise; // a bad pointer or length: the call's own EFAULT or EINVAL says so
      }
    }

    private String raw(int position) {
      return "0x" + Integer.toHexString(i32(position));
    }
  }

  private interface Decoding {
    String get() throws Exception;
  }
}
