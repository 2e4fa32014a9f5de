package dev.wasisockets.wasmnet.protocol;

/**
 * What a wasmnet client asks of the server. {@code id} names the socket the request is about (the
 * client chooses it when it opens one) or, for {@link Resolve}, the lookup; ids are unsigned 64-bit
 * numbers carried in a {@code long}.
 */
public sealed interface Request {

  long id();

  MessageType type();

  /** The requests that name a remote (or, for {@link Bind}, local) address and port. */
  sealed interface Addressed extends Request {
    String addr();

    int port();
  }

  /** Open a TCP connection to {@code addr:port}; answered by {@code connected}. */
  record Connect(long id, String addr, int port) implements Addressed {
    @Override
    public MessageType type() {
      return MessageType.CONNECT;
    }
  }

  /** Open a TLS connection, the server verifying the peer as {@code addr}. */
  record ConnectTls(long id, String addr, int port) implements Addressed {
    @Override
    public MessageType type() {
      return MessageType.CONNECT_TLS;
    }
  }

  /** Open a UDP socket whose default peer is {@code addr:port}; answered by {@code udp_bound}. */
  record ConnectUdp(long id, String addr, int port) implements Addressed {
    @Override
    public MessageType type() {
      return MessageType.CONNECT_UDP;
    }
  }

  /** Bind a TCP listener on the server; answered by {@code listening} with the bound port. */
  record Bind(long id, String addr, int port) implements Addressed {
    @Override
    public MessageType type() {
      return MessageType.BIND;
    }
  }

  /** Listen on a bound socket. {@code backlog} is unsigned 32-bit; 128 when the client omits it. */
  record Listen(long id, long backlog) implements Request {
    public static final long DEFAULT_BACKLOG = 128;

    @Override
    public MessageType type() {
      return MessageType.LISTEN;
    }
  }

  /** Bytes for a connection, or a datagram for a UDP socket's default peer. */
  record Send(long id, byte[] data) implements Request {
    @Override
    public MessageType type() {
      return MessageType.SEND;
    }
  }

  /** A datagram for {@code addr:port} from a UDP socket. */
  record SendTo(long id, String addr, int port, byte[] data) implements Addressed {
    @Override
    public MessageType type() {
      return MessageType.SEND_TO;
    }
  }

  record Close(long id) implements Request {
    @Override
    public MessageType type() {
      return MessageType.CLOSE;
    }
  }

  /** Look up {@code name}; answered by {@code resolved}. */
  record Resolve(long id, String name) implements Request {
    @Override
    public MessageType type() {
      return MessageType.RESOLVE;
    }
  }
}
