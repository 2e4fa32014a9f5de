package dev.wasisockets.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.wasmnet.protocol.BinaryFraming;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.JsonFraming;
import dev.wasisockets.wasmnet.protocol.ProtocolException;
import dev.wasisockets.wasmnet.protocol.Request;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A wasmnet client as a test drives it: the JDK's WebSocket client, sending frames the way wasmnet
 * documents them and collecting the gateway's events in order.
 */
final class WasmnetTestClient implements AutoCloseable {
  private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
  private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
  private final WebSocket webSocket;
  private volatile boolean paused;

  private WasmnetTestClient(URI uri, Map<String, String> headers) throws Exception {
    WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder();
    headers.forEach(builder::header);
    webSocket = builder.buildAsync(uri, new Collector()).get(10, TimeUnit.SECONDS);
  }

  static WasmnetTestClient connect(WasmnetGateway gateway) throws Exception {
    return connect(uri(gateway, ""), Map.of());
  }

  static WasmnetTestClient connect(URI uri, Map<String, String> headers) throws Exception {
    return new WasmnetTestClient(uri, headers);
  }

  static URI uri(WasmnetGateway gateway, String pathAndQuery) {
    return URI.create(
        "ws://127.0.0.1:"
            + gateway.address().getPort()
            + (pathAndQuery.isEmpty() ? "/" : pathAndQuery));
  }

  void sendJson(Request request) {
    sendText(JsonFraming.encode(request));
  }

  void sendBinary(Request request) {
    sendBinary(BinaryFraming.encode(request));
  }

  void sendText(String text) {
    webSocket.sendText(text, true).join();
  }

  void sendBinary(byte[] frame) {
    webSocket.sendBinary(ByteBuffer.wrap(frame), true).join();
  }

  /** Sends one message in several WebSocket frames (continuations). */
  void sendTextInPieces(String text, int pieces) {
    int step = Math.max(1, text.length() / pieces);
    for (int start = 0; start < text.length(); start += step) {
      int end = Math.min(text.length(), start + step);
      webSocket.sendText(text.substring(start, end), end == text.length()).join();
    }
  }

  /** The next event; fails if none comes within 10 s (a hang, not a measurement). */
  Event next() throws InterruptedException {
    Object next = received.poll(10, TimeUnit.SECONDS);
    assertThat(next).as("an event from the gateway").isNotNull();
    if (next instanceof Throwable failure) {
      throw new AssertionError("undecodable event from the gateway", failure);
    }
    return (Event) next;
  }

  <T extends Event> T next(Class<T> type) throws InterruptedException {
    Event event = next();
    assertThat(event).isInstanceOf(type);
    return type.cast(event);
  }

  /** Whether the last event arrived as a binary frame. */
  private volatile boolean lastWasBinary;

  boolean lastWasBinary() {
    return lastWasBinary;
  }

  /** Stops reading after the event already asked for: the gateway's writes back up. */
  void pause() {
    paused = true;
  }

  /** Starts reading again after {@link #pause}. */
  void resume() {
    paused = false;
    webSocket.request(1);
  }

  /** Sends a close frame with {@code code} and {@code reason} (the gateway echoes it). */
  void sendClose(int code, String reason) {
    webSocket.sendClose(code, reason).join();
  }

  /** The close code the gateway sent; fails if it sends none within 10 s. */
  int closeCode() throws Exception {
    return closeCode.get(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    webSocket.abort();
  }

  private final class Collector implements WebSocket.Listener {
    private final StringBuilder text = new StringBuilder();
    private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

    @Override
    public void onOpen(WebSocket webSocket) {
      if (!paused) {
        webSocket.request(1);
      }
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        try {
          lastWasBinary = false;
          received.add(JsonFraming.decodeEvent(text.toString()));
        } catch (ProtocolException e) {
          received.add(e);
        }
        text.setLength(0);
      }
      requestMore(webSocket);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      byte[] bytes = new byte[data.remaining()];
      data.get(bytes);
      binary.writeBytes(bytes);
      if (last) {
        try {
          lastWasBinary = true;
          received.add(BinaryFraming.decodeEvent(ByteBuffer.wrap(binary.toByteArray())));
        } catch (ProtocolException e) {
          received.add(e);
        }
        binary.reset();
      }
      requestMore(webSocket);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closeCode.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closeCode.completeExceptionally(error);
    }

    private void requestMore(WebSocket webSocket) {
      if (!paused) {
        webSocket.request(1);
      }
    }
  }
}
