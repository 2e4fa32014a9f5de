package dev.wasisockets;

import dev.wasisockets.GuestRun.Result;
import dev.wasisockets.GuestRun.Server;
import dev.wasisockets.transport.Transport;
import dev.wasisockets.transport.direct.DirectTransport;
import dev.wasisockets.transport.virtual.VirtualConnection;
import dev.wasisockets.transport.virtual.VirtualDatagramSocket;
import dev.wasisockets.transport.virtual.VirtualHost;
import dev.wasisockets.transport.virtual.VirtualListener;
import dev.wasisockets.transport.virtual.VirtualNetwork;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * The network a guest scenario runs on, so that one test body runs on both: the machine's loopback
 * through the direct transport, or a {@link VirtualNetwork} of two hosts, "service" (the server
 * side) and "app" (the client side). Java code meets the guests through {@link Link}s, a real
 * {@link Socket} on one and a {@link VirtualConnection} on the other.
 */
public abstract class ScenarioNetwork implements Closeable {
  /** Which network: what a parameterized test iterates over. */
  public enum Kind {
    LOOPBACK,
    VIRTUAL;

    public ScenarioNetwork open() {
      return this == LOOPBACK ? new Loopback() : new Virtual();
    }
  }

  /** One TCP connection's end, as the Java side of a test holds it. */
  public interface Link extends Closeable {
    InputStream in() throws IOException;

    OutputStream out() throws IOException;

    void shutdownOutput() throws IOException;

    /** The address and port of the other end. */
    InetSocketAddress remote();
  }

  /** A Java listener for guests to connect to. */
  public interface Acceptor extends Closeable {
    int port();

    Link accept() throws IOException;

    /**
     * Accepts one connection on a thread of its own, reads a line, answers "echo: LINE\n" and
     * closes; gives the line (with its newline) and " from " the peer's address.
     */
    default CompletableFuture<String> serveOneLine() {
      return CompletableFuture.supplyAsync(
          () -> {
            try (Link connection = accept()) {
              InputStream in = connection.in();
              ByteArrayOutputStream line = new ByteArrayOutputStream();
              for (int b = in.read(); b >= 0; b = in.read()) {
                line.write(b);
                if (b == '\n') {
                  break;
                }
              }
              String text = line.toString(StandardCharsets.UTF_8);
              connection
                  .out()
                  .write(("echo: " + text.strip() + "\n").getBytes(StandardCharsets.UTF_8));
              return text + " from " + connection.remote().getAddress().getHostAddress();
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    }
  }

  /** A Java UDP socket on the client side, bound to an ephemeral port. */
  public interface DatagramMember extends Closeable {
    void send(byte[] payload, InetSocketAddress target) throws IOException;

    /** The next datagram, cut to {@code max} bytes as a short buffer cuts it; waits up to 30 s. */
    Datagram receive(int max) throws IOException;
  }

  /** A datagram received: its bytes and where it came from. */
  public record Datagram(byte[] payload, InetSocketAddress source) {}

  /** The server side's transport, for a server guest (one per guest instance). */
  public abstract Transport serverTransport();

  /** The client side's transport, for a client guest. */
  public abstract Transport clientTransport();

  /** The address the server side is dialed at (an IPv4 literal): 127.0.0.1 or 10.0.0.1. */
  public abstract String serverAddress();

  /** The server side's IPv6 address: ::1 or fd00::1. */
  public abstract String serverAddress6();

  /** A name that resolves to {@link #serverAddress()} on this network. */
  public abstract String serverName();

  /** The address a server sees the client side's connections come from. */
  public abstract String clientAddress();

  /** Where a server guest's listener is preopened: the server address, a free port. */
  public InetSocketAddress listenAddress() throws IOException {
    return new InetSocketAddress(InetAddress.getByName(serverAddress()), 0);
  }

  /** A port on the server address that nobody listens on. */
  public abstract int freePort() throws IOException;

  /** A UDP port on the server address that nobody has bound. */
  public abstract int freeUdpPort() throws IOException;

  /**
   * Whether the guest on {@code thread} comes to wait in its first blocking receive (the core's
   * {@code UdpSocket.receiveFrom}), looked for up to 30 s: it is bound, so what a test sends now is
   * not lost.
   */
  public static boolean waitsToReceive(Thread thread) throws InterruptedException {
    return waitsIn(thread, "core.UdpSocket", "receiveFrom");
  }

  /**
   * Whether the guest on {@code thread} comes to wait in a blocking accept (the core's {@code
   * TcpListener.accept}), looked for up to 30 s: it is listening, so a connect now is queued.
   */
  public static boolean waitsToAccept(Thread thread) throws InterruptedException {
    return waitsIn(thread, "core.TcpListener", "accept");
  }

  private static boolean waitsIn(Thread thread, String type, String method)
      throws InterruptedException {
    for (int look = 0; look < 3_000; look++) {
      boolean inside =
          Arrays.stream(thread.getStackTrace())
              .anyMatch(
                  frame ->
                      frame.getClassName().endsWith("." + type)
                          && frame.getMethodName().equals(method));
      if (inside) {
        return true;
      }
      Thread.sleep(10);
    }
    return false;
  }

  /** A Java client's connection from the client side to the server address. */
  public Link connect(int port) throws IOException {
    return connect(serverAddress(), port);
  }

  /** A Java client's connection from the client side to {@code address} (an IP literal). */
  public abstract Link connect(String address, int port) throws IOException;

  /** A Java listener on the server address, on a free port. */
  public abstract Acceptor listen() throws IOException;

  /** A Java UDP socket on the client side's address, on an ephemeral port. */
  public abstract DatagramMember openUdp() throws IOException;

  /**
   * A Java listener on 127.0.0.1 of the client side's own host, on a free port: on a virtual
   * network only the client's host reaches it, as a loopback address is each host's own.
   */
  public abstract Acceptor listenOnClientLoopback() throws IOException;

  /**
   * A Java client's connection to {@code port} once the guest listens there (refused until then);
   * fails with what the guest printed if it ends first.
   */
  public Link connectWhenListening(Server guest, int port) throws Exception {
    for (int attempt = 0; ; attempt++) {
      try {
        return connect(port);
      } catch (ConnectException e) {
        if (guest.result().isDone()) {
          Result ended = guest.join();
          throw new AssertionError(
              "the guest ended (" + ended.exitCode() + ") before it listened: " + ended.stderr());
        }
        if (attempt >= 300) {
          throw new AssertionError("the guest did not listen on " + port + " in 300 attempts");
        }
        Thread.sleep(50);
      }
    }
  }

  @Override
  public void close() throws IOException {}

  private static final class Loopback extends ScenarioNetwork {
    @Override
    public Transport serverTransport() {
      return new DirectTransport();
    }

    @Override
    public Transport clientTransport() {
      return new DirectTransport();
    }

    @Override
    public String serverAddress() {
      return "127.0.0.1";
    }

    @Override
    public String serverName() {
      return "localhost";
    }

    @Override
    public String clientAddress() {
      return "127.0.0.1";
    }

    @Override
    public int freePort() throws IOException {
      try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        return probe.getLocalPort(); // free once the probe closes
      }
    }

    @Override
    public int freeUdpPort() throws IOException {
      try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
        return probe.getLocalPort(); // free once the probe closes
      }
    }

    @Override
    public String serverAddress6() {
      return "::1";
    }

    @Override
    public Link connect(String address, int port) throws IOException {
      return link(new Socket(InetAddress.getByName(address), port));
    }

    /**
     * A listener whose connections are NIO {@link java.nio.channels.SocketChannel}s: their close is
     * the kernel's, a reset when bytes are unread, as a guest's and a virtual member's are (a
     * {@code java.net.ServerSocket}'s accepted socket ends with a FIN even then, on JDK 17).
     */
    @Override
    public Acceptor listenOnClientLoopback() throws IOException {
      return listen(); // one host: the server side's address is the loopback one
    }

    @Override
    public DatagramMember openUdp() throws IOException {
      DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
      socket.setSoTimeout(30_000);
      return new DatagramMember() {
        @Override
        public void send(byte[] payload, InetSocketAddress target) throws IOException {
          socket.send(new DatagramPacket(payload, payload.length, target));
        }

        @Override
        public Datagram receive(int max) throws IOException {
          DatagramPacket packet = new DatagramPacket(new byte[max], max);
          socket.receive(packet);
          return new Datagram(
              Arrays.copyOf(packet.getData(), packet.getLength()),
              (InetSocketAddress) packet.getSocketAddress());
        }

        @Override
        public void close() {
          socket.close();
        }
      };
    }

    @Override
    public Acceptor listen() throws IOException {
      ServerSocketChannel server = ServerSocketChannel.open();
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
      return new Acceptor() {
        @Override
        public int port() {
          return server.socket().getLocalPort();
        }

        @Override
        public Link accept() throws IOException {
          return link(server.accept().socket());
        }

        @Override
        public void close() throws IOException {
          server.close();
        }
      };
    }

    private static Link link(Socket socket) throws IOException {
      socket.setSoTimeout(60_000); // a guest that stops answering fails the read, not the build
      return new Link() {
        @Override
        public InputStream in() throws IOException {
          return socket.getInputStream();
        }

        @Override
        public OutputStream out() throws IOException {
          return socket.getOutputStream();
        }

        @Override
        public void shutdownOutput() throws IOException {
          socket.shutdownOutput();
        }

        @Override
        public InetSocketAddress remote() {
          return (InetSocketAddress) socket.getRemoteSocketAddress();
        }

        @Override
        public void close() throws IOException {
          socket.close();
        }
      };
    }
  }

  private static final class Virtual extends ScenarioNetwork {
    private final VirtualNetwork network = VirtualNetwork.create();
    private final VirtualHost service = network.host("service"); // 10.0.0.1
    private final VirtualHost app = network.host("app"); // 10.0.0.2

    @Override
    public Transport serverTransport() {
      return service.newTransport();
    }

    @Override
    public Transport clientTransport() {
      return app.newTransport();
    }

    @Override
    public String serverAddress() {
      return "10.0.0.1";
    }

    @Override
    public String serverName() {
      return "service";
    }

    @Override
    public String clientAddress() {
      return "10.0.0.2";
    }

    @Override
    public int freePort() {
      return 7000; // nothing on this network listens unless a test makes it
    }

    @Override
    public int freeUdpPort() {
      return 5300; // nor is anything bound
    }

    @Override
    public String serverAddress6() {
      return "fd00::1";
    }

    @Override
    public Link connect(String address, int port) throws IOException {
      // A literal: InetAddress parses it, and no resolver is asked.
      return link(app.connect(new InetSocketAddress(InetAddress.getByName(address), port)));
    }

    @Override
    public Acceptor listen() throws IOException {
      return acceptor(
          service.listen(new InetSocketAddress(InetAddress.getByName(serverAddress()), 0)));
    }

    @Override
    public Acceptor listenOnClientLoopback() throws IOException {
      return acceptor(app.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
    }

    @Override
    public DatagramMember openUdp() throws IOException {
      VirtualDatagramSocket socket =
          app.openUdp(new InetSocketAddress(InetAddress.getByName(clientAddress()), 0));
      return new DatagramMember() {
        @Override
        public void send(byte[] payload, InetSocketAddress target) throws IOException {
          socket.send(ByteBuffer.wrap(payload), target);
        }

        @Override
        public Datagram receive(int max) throws IOException {
          ByteBuffer buffer = ByteBuffer.allocate(max);
          InetSocketAddress source = socket.receive(buffer, Duration.ofSeconds(30));
          return new Datagram(Arrays.copyOf(buffer.array(), buffer.position()), source);
        }

        @Override
        public void close() {
          socket.close();
        }
      };
    }

    private static Acceptor acceptor(VirtualListener listener) {
      return new Acceptor() {
        @Override
        public int port() {
          return listener.port();
        }

        @Override
        public Link accept() throws IOException {
          return link(listener.accept());
        }

        @Override
        public void close() {
          listener.close();
        }
      };
    }

    private static Link link(VirtualConnection connection) {
      return new Link() {
        @Override
        public InputStream in() {
          return connection.getInputStream();
        }

        @Override
        public OutputStream out() {
          return connection.getOutputStream();
        }

        @Override
        public void shutdownOutput() throws IOException {
          connection.shutdownOutput();
        }

        @Override
        public InetSocketAddress remote() {
          return connection.remoteAddress();
        }

        @Override
        public void close() {
          connection.close();
        }
      };
    }
  }
}
