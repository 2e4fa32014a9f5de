package dev.wasisockets.policy;

import java.time.Duration;

/**
 * How much of the network one guest instance may use. Zero means "no limit" for each field.
 *
 * @param maxConnections sockets open at once (connections, listeners and UDP sockets); one more is
 *     ENFILE (wasmnet's {@code max_connections})
 * @param bytesPerSecond for all of the guest's sockets together, per direction (wasmnet's {@code
 *     max_bandwidth_mbps}, converted: megabits to bytes)
 * @param socketBytesPerSecond for each socket, per direction
 * @param connectTimeout how long a blocking connect may take before ETIMEDOUT (wasmnet's {@code
 *     connection_timeout_secs})
 * @param maxListeners listening sockets at once; one more {@code listen} is ENFILE
 * @param maxPendingAccepts the most connections a listener keeps waiting to be accepted (a larger
 *     backlog is cut down to it)
 * @param idleTimeout how long a connection may see no traffic before the host closes it; the
 *     guest's next call on it is ETIMEDOUT
 * @param lookupTimeout how long a name lookup may take before it fails (EAI_AGAIN)
 */
public record Limits(
    int maxConnections,
    long bytesPerSecond,
    long socketBytesPerSecond,
    Duration connectTimeout,
    int maxListeners,
    int maxPendingAccepts,
    Duration idleTimeout,
    Duration lookupTimeout) {

  /** No limit at all: the default of embedded and {@code run} guests. */
  public static final Limits NONE =
      new Limits(0, 0, 0, Duration.ZERO, 0, 0, Duration.ZERO, Duration.ZERO);

  public Limits {
    if (maxConnections < 0
        || bytesPerSecond < 0
        || socketBytesPerSecond < 0
        || maxListeners < 0
        || maxPendingAccepts < 0) {
      throw new IllegalArgumentException("limits cannot be negative");
    }
    if (connectTimeout.isNegative() || idleTimeout.isNegative() || lookupTimeout.isNegative()) {
      throw new IllegalArgumentException("a timeout cannot be negative");
    }
  }

  /** wasmnet's defaults: 50 connections, 10 Mbit/s, 30 s to connect. */
  public static Limits wasmnetDefault() {
    return NONE.withMaxConnections(50)
        .withBytesPerSecond(megabitsToBytes(10))
        .withConnectTimeout(Duration.ofSeconds(30));
  }

  /** Megabits per second, as wasmnet counts bandwidth, in bytes per second. */
  public static long megabitsToBytes(long megabitsPerSecond) {
    return megabitsPerSecond * 1_000_000 / 8;
  }

  public Limits withMaxConnections(int value) {
    Fields fields = new Fields(this);
    fields.maxConnections = value;
    return fields.limits();
  }

  public Limits withBytesPerSecond(long value) {
    Fields fields = new Fields(this);
    fields.bytesPerSecond = value;
    return fields.limits();
  }

  public Limits withSocketBytesPerSecond(long value) {
    Fields fields = new Fields(this);
    fields.socketBytesPerSecond = value;
    return fields.limits();
  }

  public Limits withConnectTimeout(Duration value) {
    Fields fields = new Fields(this);
    fields.connectTimeout = value;
    return fields.limits();
  }

  public Limits withMaxListeners(int value) {
    Fields fields = new Fields(this);
    fields.maxListeners = value;
    return fields.limits();
  }

  public Limits withMaxPendingAccepts(int value) {
    Fields fields = new Fields(this);
    fields.maxPendingAccepts = value;
    return fields.limits();
  }

  public Limits withIdleTimeout(Duration value) {
    Fields fields = new Fields(this);
    fields.idleTimeout = value;
    return fields.limits();
  }

  public Limits withLookupTimeout(Duration value) {
    Fields fields = new Fields(this);
    fields.lookupTimeout = value;
    return fields.limits();
  }

  /** A copy of the fields to change one of: the withers' one place that lists them all. */
  private static final class Fields {
    int maxConnections;
    long bytesPerSecond;
    long socketBytesPerSecond;
    Duration connectTimeout;
    int maxListeners;
    int maxPendingAccepts;
    Duration idleTimeout;
    Duration lookupTimeout;

    Fields(Limits limits) {
      maxConnections = limits.maxConnections;
      bytesPerSecond = limits.bytesPerSecond;
      socketBytesPerSecond = limits.socketBytesPerSecond;
      connectTimeout = limits.connectTimeout;
      maxListeners = limits.maxListeners;
      maxPendingAccepts = limits.maxPendingAccepts;
      idleTimeout = limits.idleTimeout;
      lookupTimeout = limits.lookupTimeout;
    }

    Limits limits() {
      return new Limits(
          maxConnections,
          bytesPerSecond,
          socketBytesPerSecond,
          connectTimeout,
          maxListeners,
          maxPendingAccepts,
          idleTimeout,
          lookupTimeout);
    }
  }
}
