package dev.wasisockets.gateway;

/**
 * What the {@link AccessLog} says of one session: who it is (from its upgrade request) and what it
 * did until it ended. The parts of the session that see each thing count it here. Touched on the
 * session's event loop only, like the rest of the session.
 */
final class SessionTally {
  /** No close frame crossed either way: RFC 6455 §7.1.5's "abnormal closure". */
  static final int NO_CLOSE_FRAME = 1006;

  private long id;
  private String client;
  private String origin;
  private String path;
  private long openedNanos;

  private long requests;
  private long socketsOpened;
  private long denials;
  private long bytesToPeers;
  private long bytesFromPeers;
  private boolean json;
  private boolean binary;

  private int closeCode = NO_CLOSE_FRAME;
  private String closeReason;
  private String closedBy;

  /** The session is open: its id, the client's address:port, its Origin and path (or null). */
  void opened(long id, String client, String origin, String path, long openedNanos) {
    this.id = id;
    this.client = client;
    this.origin = origin;
    this.path = path;
    this.openedNanos = openedNanos;
  }

  /** A request (a {@code send} included) reached the session. */
  void requestServed() {
    requests++;
  }

  /** A socket opened: connected, listening, bound (UDP) or accepted. */
  void socketOpened() {
    socketsOpened++;
  }

  /** The policy denied a request. */
  void denied() {
    denials++;
  }

  /** A peer's socket took {@code bytes} the client sent. */
  void sentToPeer(long bytes) {
    bytesToPeers += bytes;
  }

  /** A peer's socket gave {@code bytes} for the client. */
  void receivedFromPeer(long bytes) {
    bytesFromPeers += bytes;
  }

  /** A message from the client in binary framing, or in JSON framing (text). */
  void framing(boolean binaryMessage) {
    if (binaryMessage) {
      binary = true;
    } else {
      json = true;
    }
  }

  /**
   * A close frame crossed, sent by {@code by} ("client" or "gateway"). The first one is the
   * session's: the other side's is its echo (RFC 6455 §5.5.1).
   */
  void closeFrame(int code, String reason, String by) {
    if (closedBy == null) {
      closeCode = code;
      closeReason = reason == null || reason.isEmpty() ? null : reason;
      closedBy = by;
    }
  }

  long id() {
    return id;
  }

  String client() {
    return client;
  }

  /** The Origin header, or null when the client sent none. */
  String origin() {
    return origin;
  }

  String path() {
    return path;
  }

  long openedNanos() {
    return openedNanos;
  }

  long requests() {
    return requests;
  }

  long socketsOpened() {
    return socketsOpened;
  }

  long denials() {
    return denials;
  }

  long bytesToPeers() {
    return bytesToPeers;
  }

  long bytesFromPeers() {
    return bytesFromPeers;
  }

  /** The framings the client used: json, binary, json+binary, or null for none. */
  String framings() {
    if (json && binary) {
      return "json+binary";
    }
    return json ? "json" : binary ? "binary" : null;
  }

  int closeCode() {
    return closeCode;
  }

  /** The first close frame's reason, or null for none. */
  String closeReason() {
    return closeReason;
  }

  /** Who sent the first close frame ("client", "gateway"), or null when none crossed. */
  String closedBy() {
    return closedBy;
  }
}
