package dev.wasisockets;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** The client side of an echo test: send it all, half-close, read what comes to the end. */
public final class EchoClient {
  private EchoClient() {}

  /** What the server sent back on {@code client} for {@code message}, up to its end of stream. */
  public static String exchange(Socket client, String message) throws IOException {
    client.getOutputStream().write(message.getBytes(StandardCharsets.UTF_8));
    client.shutdownOutput();
    return new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }
}
