package dev.wasisockets.wasmnet.protocol;

import java.util.List;

/** What a wasmnet server tells its client, each about the socket or lookup named by {@code id}. */
public sealed interface Event {

  long id();

  MessageType type();

  record Connected(long id) implements Event {
    @Override
    public MessageType type() {
      return MessageType.CONNECTED;
    }
  }

  /** Bytes that arrived on a connection (or a datagram from a UDP socket's default peer). */
  record Data(long id, byte[] data) implements Event {
    @Override
    public MessageType type() {
      return MessageType.DATA;
    }
  }

  /** A datagram that arrived on a UDP socket from {@code addr:port}. */
  record DataFrom(long id, String addr, int port, byte[] data) implements Event {
    @Override
    public MessageType type() {
      return MessageType.DATA_FROM;
    }
  }

  record Listening(long id, int port) implements Event {
    @Override
    public MessageType type() {
      return MessageType.LISTENING;
    }
  }

  record UdpBound(long id, int port) implements Event {
    @Override
    public MessageType type() {
      return MessageType.UDP_BOUND;
    }
  }

  /**
   * A listener accepted a connection, which the server has named {@code connId}; {@code remote} is
   * the peer as {@code host:port} ({@code [v6]:port} for IPv6).
   */
  record Accepted(long id, long connId, String remote) implements Event {
    @Override
    public MessageType type() {
      return MessageType.ACCEPTED;
    }
  }

  /** The socket is gone: the peer closed it, the client asked, or it failed after an error. */
  record Closed(long id) implements Event {
    @Override
    public MessageType type() {
      return MessageType.CLOSED;
    }
  }

  /** The request failed; {@code id} is 0 when the request was too broken to carry one. */
  record Error(long id, String msg) implements Event {
    @Override
    public MessageType type() {
      return MessageType.ERROR;
    }
  }

  /** The server's policy refused the request. */
  record Denied(long id, String msg) implements Event {
    @Override
    public MessageType type() {
      return MessageType.DENIED;
    }
  }

  record Resolved(long id, List<String> addrs) implements Event {
    public Resolved {
      addrs = List.copyOf(addrs);
    }

    @Override
    public MessageType type() {
      return MessageType.RESOLVED;
    }
  }
}
