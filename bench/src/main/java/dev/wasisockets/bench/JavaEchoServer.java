package dev.wasisockets.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The native baseline of the echo rows, in a JVM of its own: {@code JavaEchoServer BUFFER
 * CONNECTIONS}. Listens on 127.0.0.1 (a free port), prints "listening on PORT", and echoes
 * CONNECTIONS connections, a thread each, with blocking {@code SocketChannel}s: read up to BUFFER
 * bytes into a direct buffer, write them all back, until the client's end of stream; then exits.
 * The buffer is direct, as a guest's memory is, so the JDK copies nothing beyond the kernel's
 * copies, and of the guest's size: the strongest baseline that does the same work. Like the guest
 * servers, it leaves Nagle's algorithm on.
 */
public final class JavaEchoServer {
  private JavaEchoServer() {}

  public static void main(String[] args) throws Exception {
    int bufferSize = Integer.parseInt(args[0]);
    int connections = Integer.parseInt(args[1]);
    List<Thread> workers = new ArrayList<>();
    try (ServerSocketChannel listener = ServerSocketChannel.open()) {
      listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
      System.out.println(
          "listening on " + ((InetSocketAddress) listener.getLocalAddress()).getPort());
      System.out.flush();
      for (int i = 0; i < connections; i++) {
        SocketChannel connection = listener.accept();
        Thread worker = new Thread(() -> echo(connection, bufferSize), "echo-" + i);
        worker.start();
        workers.add(worker);
      }
    }
    for (Thread worker : workers) {
      worker.join();
    }
    System.out.println("served " + connections);
  }

  private static void echo(SocketChannel connection, int bufferSize) {
    ByteBuffer buffer = ByteBuffer.allocateDirect(bufferSize);
    try (connection) {
      while (connection.read(buffer.clear()) > 0) {
        buffer.flip();
        while (buffer.hasRemaining()) {
          connection.write(buffer);
        }
      }
    } catch (IOException e) {
      System.err.println("echo: " + e);
    }
  }
}
