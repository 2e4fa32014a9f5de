package dev.wasisockets.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The load for {@link ManyConnections}, in its own JVM (so the host's file descriptors and heap are
 * the host's alone): {@code ManyConnectionsClient PORT CONNECTIONS ROUNDS}. Opens every connection
 * and makes one exchange on each, prints READY and waits for a line on stdin (the host measures its
 * heap with every connection idle), then runs ROUNDS rounds of one 16-byte request on every
 * connection followed by every reply, prints {@code RESULT <requests per second>}, and closes.
 */
public final class ManyConnectionsClient {
  private static final int REQUEST = 16;

  private ManyConnectionsClient() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int connections = Integer.parseInt(args[1]);
    int rounds = Integer.parseInt(args[2]);
    List<Socket> sockets = new ArrayList<>(connections);
    byte[] request = new byte[REQUEST];
    byte[] reply = new byte[REQUEST];
    for (int i = 0; i < connections; i++) {
      Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
      socket.setTcpNoDelay(true);
      sockets.add(socket);
    }
    round(sockets, request, reply);
    System.out.println("READY");
    System.out.flush();
    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();

    long start = System.nanoTime();
    for (int r = 0; r < rounds; r++) {
      round(sockets, request, reply);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("RESULT %.1f%n", (double) connections * rounds / seconds);
    System.out.flush();
    for (Socket socket : sockets) {
      socket.close();
    }
  }

  /** One request on every connection, then every reply. */
  private static void round(List<Socket> sockets, byte[] request, byte[] reply) throws IOException {
    for (Socket socket : sockets) {
      socket.getOutputStream().write(request);
    }
    for (Socket socket : sockets) {
      InputStream in = socket.getInputStream();
      for (int got = 0; got < REQUEST; ) {
        int n = in.read(reply, got, REQUEST - got);
        if (n < 0) {
          throw new IOException("the server closed a connection");
        }
        got += n;
      }
    }
  }
}
