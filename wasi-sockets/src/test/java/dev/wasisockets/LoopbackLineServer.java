package dev.wasisockets;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real TCP server on a loopback address for guests to talk to: it accepts one connection, reads
 * one line, answers {@code "echo: " + line + "\n"} and closes. The bytes it received, and the
 * address they came from, are kept for assertions.
 */
public final class LoopbackLineServer implements AutoCloseable {
  private final ServerSocket server;
  private final CompletableFuture<String> received = new CompletableFuture<>();
  private final CompletableFuture<InetSocketAddress> peer = new CompletableFuture<>();

  public LoopbackLineServer(InetAddress address) throws IOException {
    server = new ServerSocket();
    server.bind(new InetSocketAddress(address, 0));
    Thread thread = new Thread(this::serveOne, "loopback-line-server");
    thread.setDaemon(true);
    thread.start();
  }

  public static LoopbackLineServer onIpv4() throws IOException {
    return new LoopbackLineServer(InetAddress.getLoopbackAddress());
  }

  public int port() {
    return server.getLocalPort();
  }

  /** The line the client sent, including its newline; fails if none arrived within 10 s. */
  public String receivedLine() throws Exception {
    return received.get(10, TimeUnit.SECONDS);
  }

  /** Where the connection came from, as this server saw it; fails if none came within 10 s. */
  public InetSocketAddress clientAddress() throws Exception {
    return peer.get(10, TimeUnit.SECONDS);
  }

  private void serveOne() {
    try (Socket client = server.accept()) {
      peer.complete((InetSocketAddress) client.getRemoteSocketAddress());
      InputStream in = client.getInputStream();
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) >= 0) {
        line.write(b);
        if (b == '\n') {
          break;
        }
      }
      String text = line.toString(StandardCharsets.UTF_8);
      received.complete(text);
      OutputStream out = client.getOutputStream();
      out.write(("echo: " + text.strip() + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    } catch (IOException e) {
      received.completeExceptionally(e);
      peer.completeExceptionally(e);
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
