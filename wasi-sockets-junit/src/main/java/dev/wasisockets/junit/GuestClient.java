package dev.wasisockets.junit;

import dev.wasisockets.policy.LogText;
import dev.wasisockets.transport.virtual.VirtualConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A connection to a guest's listener, with the few calls a test needs. Every call waits at most the
 * client's timeout ({@value #DEFAULT_TIMEOUT_SECONDS} s unless {@link #withTimeout set}), and a
 * call that runs out of it fails with an {@link AssertionError} saying what it waited for and what
 * had arrived, instead of hanging the test. A connection error (a reset, say) is an {@link
 * UncheckedIOException} with the transport's exception as its cause.
 *
 * <p>Bytes are read as they come by a thread of the client's own into a buffer (at most {@value
 * #MAX_UNREAD} bytes unread; past that it stops reading, so the guest meets back-pressure), so a
 * call that times out loses nothing: a later call still gets those bytes. One test thread at a
 * time.
 */
public final class GuestClient implements AutoCloseable {
  static final int DEFAULT_TIMEOUT_SECONDS = 10;
  static final int MAX_UNREAD = 16 << 20;

  private final String peer;
  private final InputStream in;
  private final OutputStream out;
  private final Connection connection;
  private final ExecutorService writer;
  private final Thread reader;
  private volatile Duration timeout = Duration.ofSeconds(DEFAULT_TIMEOUT_SECONDS);

  // Guarded by this: what the reader took and the test has not, and how the stream ended.
  private byte[] unread = new byte[0];
  private boolean ended;
  private IOException failure;

  /** What closes and half-closes the connection underneath. */
  private interface Connection {
    void shutdownOutput() throws IOException;

    void close() throws IOException;
  }

  private GuestClient(String peer, InputStream in, OutputStream out, Connection connection) {
    this.peer = peer;
    this.in = in;
    this.out = out;
    this.connection = connection;
    this.writer =
        Executors.newSingleThreadExecutor(
            task -> {
              Thread thread = new Thread(task, "guest-client-writer " + peer);
              thread.setDaemon(true);
              return thread;
            });
    this.reader = new Thread(this::readUntilEnd, "guest-client-reader " + peer);
    reader.setDaemon(true);
    reader.start();
  }

  /** A client on an OS socket connected to {@code address}. */
  static GuestClient connect(InetSocketAddress address) {
    try {
      Socket socket = new Socket();
      socket.connect(address, DEFAULT_TIMEOUT_SECONDS * 1000);
      socket.setTcpNoDelay(true);
      return new GuestClient(
          address.toString(),
          socket.getInputStream(),
          socket.getOutputStream(),
          new Connection() {
            @Override
            public void shutdownOutput() throws IOException {
              socket.shutdownOutput();
            }

            @Override
            public void close() throws IOException {
              socket.close();
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot connect to the guest at " + address, e);
    }
  }

  /** A client on a connection of the virtual network. */
  static GuestClient over(VirtualConnection connection) {
    return new GuestClient(
        connection.remoteAddress().toString(),
        connection.getInputStream(),
        connection.getOutputStream(),
        new Connection() {
          @Override
          public void shutdownOutput() throws IOException {
            connection.shutdownOutput();
          }

          @Override
          public void close() {
            connection.close();
          }
        });
  }

  /** The same client, its calls waiting at most {@code timeout} from now on. */
  public GuestClient withTimeout(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("a timeout must be positive: " + timeout);
    }
    this.timeout = timeout;
    return this;
  }

  public Duration timeout() {
    return timeout;
  }

  /** Sends {@code bytes}, waiting while the guest does not read. */
  public GuestClient write(byte[] bytes) {
    byte[] copy = bytes.clone();
    Future<?> sent =
        writer.submit(
            () -> {
              out.write(copy);
              out.flush();
              return null;
            });
    await(sent, "to send " + copy.length + " bytes (the guest is not reading them)");
    return this;
  }

  /** Sends {@code text} as UTF-8. */
  public GuestClient write(String text) {
    return write(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Half-closes: the guest reads end-of-stream after what was sent; this side still reads. */
  public GuestClient shutdownOutput() {
    await(
        writer.submit(
            () -> {
              connection.shutdownOutput();
              return null;
            }),
        "to half-close the connection");
    return this;
  }

  /**
   * The next line (UTF-8, without its {@code \n} or {@code \r\n}); at end-of-stream the bytes
   * before it, or null if there were none.
   */
  public String readLine() {
    return readUntil(
        "a line",
        () -> {
          for (int i = 0; i < unread.length; i++) {
            if (unread[i] == '\n') {
              byte[] line = take(i + 1);
              int end = line.length - 1;
              if (end > 0 && line[end - 1] == '\r') {
                end--;
              }
              return new String(line, 0, end, StandardCharsets.UTF_8);
            }
          }
          if (ended) {
            return unread.length == 0
                ? null
                : new String(take(unread.length), StandardCharsets.UTF_8);
          }
          return NOT_YET;
        });
  }

  /**
   * Exactly {@code n} bytes; fails (an {@link AssertionError}) if the guest ends the stream first.
   */
  public byte[] readBytes(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("cannot read " + n + " bytes");
    }
    return readUntil(
        n + " bytes",
        () -> {
          if (unread.length >= n) {
            return take(n);
          }
          if (ended) {
            throw new AssertionError(
                "the guest at "
                    + peer
                    + " ended the stream after "
                    + unread.length
                    + " of the "
                    + n
                    + " bytes expected: "
                    + quote(unread));
          }
          return NOT_YET;
        });
  }

  /** Everything until the guest ends the stream. */
  public byte[] readToEnd() {
    return readUntil("the end of the stream", () -> ended ? take(unread.length) : NOT_YET);
  }

  /** {@link #readToEnd()} as UTF-8 text. */
  public String readTextToEnd() {
    return new String(readToEnd(), StandardCharsets.UTF_8);
  }

  /** Closes the connection (and the client's threads); the guest reads end-of-stream. */
  @Override
  public void close() {
    writer.shutdownNow();
    try {
      connection.close();
    } catch (IOException e) {
      // Closing is best effort: the connection is gone either way.
    }
    reader.interrupt(); // a virtual connection's read ends on an interrupt
  }

  @Override
  public String toString() {
    return "GuestClient[" + peer + "]";
  }

  private static final Object NOT_YET = new Object();

  /** What a read looks for in the unread bytes: a result, {@link #NOT_YET}, or a throw. */
  private interface Wanted {
    Object find();
  }

  @SuppressWarnings("unchecked")
  private synchronized <T> T readUntil(String what, Wanted wanted) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (; ; ) {
      Object found = wanted.find();
      if (found != NOT_YET) {
        notifyAll(); // room for the reader
        return (T) found;
      }
      if (failure != null) {
        throw new UncheckedIOException(
            "the connection to the guest at " + peer + " failed: " + failure.getMessage(), failure);
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError(
            "timed out after "
                + describe(timeout)
                + " waiting for "
                + what
                + " from the guest at "
                + peer
                + "; received and not yet read: "
                + quote(unread));
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what + " from the guest", e);
      }
    }
  }

  private byte[] take(int n) {
    byte[] taken = Arrays.copyOf(unread, n);
    unread = Arrays.copyOfRange(unread, n, unread.length);
    return taken;
  }

  private void readUntilEnd() {
    byte[] chunk = new byte[16 * 1024];
    try {
      for (; ; ) {
        int n = in.read(chunk);
        synchronized (this) {
          if (n < 0) {
            ended = true;
            notifyAll();
            return;
          }
          while (unread.length + n > MAX_UNREAD) {
            wait();
          }
          byte[] more = Arrays.copyOf(unread, unread.length + n);
          System.arraycopy(chunk, 0, more, unread.length, n);
          unread = more;
          notifyAll();
        }
      }
    } catch (IOException e) {
      synchronized (this) {
        failure = e;
        notifyAll();
      }
    } catch (InterruptedException e) {
      // closed
    }
  }

  private void await(Future<?> task, String what) {
    try {
      task.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      task.cancel(true);
      throw new AssertionError(
          "timed out after " + describe(timeout) + " waiting " + what + " at " + peer);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      IOException io = cause instanceof IOException ? (IOException) cause : new IOException(cause);
      throw new UncheckedIOException(
          "the connection to the guest at " + peer + " failed: " + io.getMessage(), io);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted waiting " + what, e);
    }
  }

  static String describe(Duration duration) {
    return duration.toMillis() % 1000 == 0
        ? duration.toSeconds() + " s"
        : duration.toMillis() + " ms";
  }

  /** Bytes as a person reads them: text with C escapes, at most 200 of them. */
  static String quote(byte[] bytes) {
    int shown = Math.min(bytes.length, 200);
    String text = LogText.quoted(Arrays.copyOf(bytes, shown));
    return bytes.length > shown ? text + "... (" + bytes.length + " bytes)" : text;
  }
}
