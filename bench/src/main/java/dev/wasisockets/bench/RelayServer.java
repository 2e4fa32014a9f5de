package dev.wasisockets.bench;

import dev.wasisockets.gateway.WasmnetGateway;
import dev.wasisockets.policy.NetworkPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The hop between a guest and its peer, in a JVM of its own so that its threads and CPU are not the
 * guest's: {@code RelayServer plain TARGET_PORT} (a {@link PlainRelay} to that loopback port) or
 * {@code RelayServer gateway} (our wasmnet gateway, every address allowed, as {@code serve
 * --no-policy}). Prints "listening on PORT" and serves until it is stopped ({@link ServerProcess}).
 */
public final class RelayServer {
  private RelayServer() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("plain")) {
      InetSocketAddress target =
          new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(args[1]));
      try (PlainRelay relay = new PlainRelay(target)) {
        Thread loop =
            new Thread(
                () -> {
                  try {
                    relay.run();
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                },
                "plain-relay");
        loop.setDaemon(true);
        loop.start();
        serveUntilStopped(relay.port());
      }
    } else {
      try (WasmnetGateway gateway =
          WasmnetGateway.builder()
              .host("127.0.0.1")
              .port(0)
              .policy(NetworkPolicy.builder().allowAll().build())
              .build()
              .start()) {
        serveUntilStopped(gateway.address().getPort());
      }
    }
  }

  private static void serveUntilStopped(int port) throws InterruptedException {
    System.out.println("listening on " + port);
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE); // the parent ends the process
  }
}
