package dev.wasisockets.bench;

import dev.wasisockets.fixtures.GuestFixture;
import dev.wasisockets.transport.virtual.VirtualConnection;
import dev.wasisockets.transport.virtual.VirtualHost;
import dev.wasisockets.transport.virtual.VirtualNetwork;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The host heap an idle virtual connection costs, in its own JVM: {@code IdleVirtualConnections
 * CONNECTIONS}. The C poll echo server guest (compiled) holds CONNECTIONS connections from Java
 * members on one virtual network, each after one 16-byte exchange, so the guest has accepted it and
 * both directions have carried bytes. The heap after GC with them open, less the heap before, over
 * CONNECTIONS, counts everything one costs: the guest's socket in the core, both ends on the
 * network and the Java member's connection. Prints {@code RESULT <bytes per connection> <peak RSS
 * KiB> 0}.
 */
public final class IdleVirtualConnections {
  private static final int PORT = 7000;

  private IdleVirtualConnections() {}

  public static void main(String[] args) throws Exception {
    int connections = Integer.parseInt(args[0]);
    VirtualNetwork network = VirtualNetwork.create();
    VirtualHost server = network.host("server");
    VirtualHost client = network.host("client");
    GuestProgram guest = new GuestProgram(GuestFixture.C_POLL_ECHO_SERVER, "compiler");
    InetSocketAddress listen = new InetSocketAddress(InetAddress.getByName("0.0.0.0"), PORT);
    CompletableFuture<String> served =
        CompletableFuture.supplyAsync(
            () ->
                guest.run(
                    List.of("" + connections),
                    b -> b.withTransport(server.newTransport()).withTcpListener(listen)));
    InetSocketAddress target = new InetSocketAddress(server.addresses().get(0), PORT);
    List<VirtualConnection> open = new ArrayList<>(connections);
    open.add(firstConnection(client, target));
    long heapBefore = ManyConnections.usedHeapAfterGc();
    ByteBuffer request = ByteBuffer.allocate(16);
    for (int i = 1; i < connections; i++) {
      VirtualConnection connection = client.connect(target);
      request.clear();
      connection.write(request);
      request.clear();
      while (request.hasRemaining()) {
        connection.read(request);
      }
      open.add(connection);
    }
    long perConnection = (ManyConnections.usedHeapAfterGc() - heapBefore) / (connections - 1);
    for (VirtualConnection connection : open) {
      connection.close();
    }
    served.get();
    System.out.printf("RESULT %d %d 0%n", perConnection, Scenario.peakRssKib());
    System.exit(0);
  }

  /** The first connection, once the guest listens (connects until it does). */
  private static VirtualConnection firstConnection(VirtualHost client, InetSocketAddress target)
      throws Exception {
    for (int tries = 0; ; tries++) {
      try {
        return client.connect(target);
      } catch (ConnectException e) {
        if (tries > 600) {
          throw e;
        }
        Thread.sleep(50);
      }
    }
  }
}
