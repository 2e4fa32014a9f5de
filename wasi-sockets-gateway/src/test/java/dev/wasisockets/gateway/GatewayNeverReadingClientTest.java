package dev.wasisockets.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.policy.Limits;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.wasmnet.NettyLeakCheck;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.JsonFraming;
import dev.wasisockets.wasmnet.protocol.Request;
import java.io.DataInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A client that sends requests and never reads the answers: the gateway stops reading from it once
 * its answers back up, instead of queueing them without end, and every other session is served.
 */
@ExtendWith(NettyLeakCheck.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GatewayNeverReadingClientTest {
  /**
   * Netty's high water mark (64 KiB) plus the answers to one read's worth of requests (a read is at
   * most 64 KiB): far below what the client gets the gateway to take in.
   */
  private static final long BOUND = 512 * 1024;

  private final EchoPeer peer;
  private WasmnetGateway gateway;

  GatewayNeverReadingClientTest() throws Exception {
    peer = new EchoPeer();
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    peer.close();
  }

  @Test
  void anAnswerQuotesAtMostAKibibyteOfTheRequest() throws Exception {
    // What the hostile test sent: 900 KB ops, each answered with an error that repeated it.
    gateway = withoutBandwidthLimit();
    try (WasmnetTestClient client = WasmnetTestClient.connect(gateway)) {
      client.sendText("{\"op\":\"" + "x".repeat(900_000) + "\",\"id\":3}");
      client.sendJson(new Request.Connect(4, "a".repeat(900_000) + ".invalid", 80));

      Event.Error unknownOp = client.next(Event.Error.class);
      assertThat(unknownOp.id()).isEqualTo(3);
      // The length first: a failure must not print the 900 KB.
      assertThat(unknownOp.msg().length()).isEqualTo(1024);
      assertThat(unknownOp.msg()).startsWith("unknown op \"xxx").endsWith("xxx…");
      Event.Error badHost = client.next(Event.Error.class);
      assertThat(badHost.id()).isEqualTo(4);
      assertThat(badHost.msg().length()).isEqualTo(1024);
      assertThat(badHost.msg()).startsWith("cannot resolve aaa").endsWith("aaa…");
    }
  }

  @Test
  void aClientThatNeverReadsIsNoLongerReadFrom() throws Exception {
    gateway = withoutBandwidthLimit();
    try (SocketChannel hostile = openNeverReading()) {
      while (gateway.sessions().isEmpty()) {
        Thread.sleep(1); // the gateway counts it once the 101 is out
      }
      SessionProbe session = new SessionProbe(gateway);

      // Requests until the gateway takes no more: the client's socket and the gateway's receive
      // queue are full, which happens only once the session stops reading.
      hostile.configureBlocking(false);
      long sent = 0;
      long requests = 0;
      ByteBuffer frame = ByteBuffer.allocate(0);
      while (true) {
        if (!frame.hasRemaining()) {
          frame = ByteBuffer.wrap(unknownOp(++requests));
        }
        int n = hostile.write(frame);
        sent += n;
        if (n == 0) {
          assertThat(session.pendingToClient()).as("queued for the client").isLessThan(BOUND);
          if (!session.readsClient()) {
            break;
          }
          Thread.sleep(1);
        }
      }
      assertThat(session.pendingToClient()).isLessThan(BOUND);
      assertThat(sent).as("what the gateway took in").isGreaterThan(BOUND);
      ByteBuffer rest = frame;

      // Meanwhile another client is served as ever.
      try (WasmnetTestClient other = WasmnetTestClient.connect(gateway)) {
        other.sendJson(new Request.Connect(1, "127.0.0.1", peer.port()));
        assertThat(other.next()).isEqualTo(new Event.Connected(1));
        other.sendJson(new Request.Send(1, "still here".getBytes(StandardCharsets.UTF_8)));
        assertThat(other.next(Event.Data.class).data()).asString().isEqualTo("still here");
      }

      // Once the client reads, every request it sent is answered, in order: none was dropped.
      hostile.configureBlocking(true);
      DataInputStream in = new DataInputStream(Channels.newInputStream(hostile));
      Thread finishLastRequest =
          new Thread(
              () -> {
                try {
                  while (rest.hasRemaining()) {
                    hostile.write(rest);
                  }
                } catch (Exception e) {
                  throw new AssertionError(e);
                }
              });
      finishLastRequest.start();
      for (long id = 1; id <= requests; id++) {
        assertThat(readTextFrame(in)).startsWith("{\"ev\":\"error\",\"id\":" + id + ",");
      }
      finishLastRequest.join();
    }
  }

  private SocketChannel openNeverReading() throws Exception {
    SocketChannel channel = SocketChannel.open();
    // Small buffers on the client's side, so that the gateway's queue is what fills.
    channel.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
    channel.setOption(StandardSocketOptions.SO_SNDBUF, 4096);
    channel.connect(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), gateway.address().getPort()));
    channel.write(ByteBuffer.wrap(RawHttp.UPGRADE.getBytes(StandardCharsets.ISO_8859_1)));
    DataInputStream in = new DataInputStream(Channels.newInputStream(channel));
    assertThat(RawHttp.statusLine(in)).startsWith("HTTP/1.1 101 ");
    RawHttp.skipHead(in);
    return channel;
  }

  /** A masked text frame: an op nobody knows, long enough that its answer is a kibibyte. */
  private static byte[] unknownOp(long id) {
    String request = "{\"op\":\"" + "z".repeat(2000) + "\",\"id\":" + id + "}";
    return RawWebSocket.frame(
        0x80 | RawWebSocket.TEXT, true, request.getBytes(StandardCharsets.UTF_8));
  }

  private static String readTextFrame(DataInputStream in) throws Exception {
    int first = in.readUnsignedByte();
    assertThat(first).isEqualTo(0x80 | RawWebSocket.TEXT);
    long length = in.readUnsignedByte() & 0x7f;
    if (length == 126) {
      length = in.readUnsignedShort();
    } else if (length == 127) {
      length = in.readLong();
    }
    assertThat(length).isLessThan(64 * 1024);
    byte[] payload = new byte[(int) length];
    in.readFully(payload);
    String text = new String(payload, StandardCharsets.UTF_8);
    JsonFraming.decodeEvent(text); // a whole event
    return text;
  }

  private static WasmnetGateway withoutBandwidthLimit() throws Exception {
    // As the hostile test ran it (--max-bandwidth-mbps 0): nothing but back-pressure holds it.
    return TestGateways.onLoopback()
        .policy(NetworkPolicy.builder().allowAll().limits(Limits.NONE).build())
        .resolver(
            name -> {
              throw new java.net.UnknownHostException(name);
            })
        .build()
        .start();
  }
}
