package dev.wasisockets.wasmnet.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.transport.Readiness;
import dev.wasisockets.transport.ReadinessSet;
import dev.wasisockets.transport.TcpChannel;
import dev.wasisockets.transport.TcpListenerChannel;
import dev.wasisockets.wasmnet.NettyLeakCheck;
import dev.wasisockets.wasmnet.protocol.BinaryFraming;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.ProtocolException;
import dev.wasisockets.wasmnet.protocol.Request;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A wasmnet server that lies: frames that do not decode, events for ids nobody uses, an accepted
 * connection named with an id in use, addresses that are not addresses. The transport drops what it
 * cannot trust and the guest's socket carries on.
 */
@ExtendWith(NettyLeakCheck.class)
class HostileServerTest {

  @Test
  void garbageFromTheServerIsDroppedAndTheSocketCarriesOn() throws Exception {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try {
      Channel server = hostileServer(group);
      int port = ((InetSocketAddress) server.localAddress()).getPort();
      try (WasmnetTransport transport =
          WasmnetTransport.connect(
              URI.create("ws://127.0.0.1:" + port + "/"), WasmnetOptions.DEFAULT)) {
        TcpChannel channel = transport.openTcp(StandardProtocolFamily.INET);
        channel.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9));
        ByteBuffer received = ByteBuffer.allocate(16);
        ReadinessSet set = new ReadinessSet();
        while (received.position() < 2) {
          set.clear().add(channel, Readiness.READ);
          transport.await(set, 10_000_000_000L);
          if (channel.finishConnect()) {
            channel.read(received);
          }
        }
        assertThat(new String(received.array(), 0, 2, StandardCharsets.UTF_8)).isEqualTo("ok");

        // An accepted connection named with the id of the connection above is dropped; the
        // connection keeps its id and its bytes.
        TcpListenerChannel listener =
            transport.listenTcp(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        set.clear().add(listener, Readiness.READ);
        transport.await(set, 10_000_000_000L);
        assertThat(listener.accept().remoteAddress().getPort()).isEqualTo(2);
        assertThat(listener.accept()).isNull();
        received.clear();
        while (received.position() < 2) {
          set.clear().add(channel, Readiness.READ);
          transport.await(set, 10_000_000_000L);
          channel.read(received);
        }
        assertThat(new String(received.array(), 0, 2, StandardCharsets.UTF_8)).isEqualTo("!!");
        listener.close();

        // A lookup answer's non-addresses are dropped, its address kept.
        assertThat(transport.resolve("anything.test"))
            .containsExactly(InetAddress.getByName("192.0.2.1"));
        channel.close();
      }
      server.close().sync();
    } finally {
      group.shutdownGracefully().sync();
    }
  }

  private static Channel hostileServer(EventLoopGroup group) throws InterruptedException {
    return new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(
            new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel ch) {
                ch.pipeline()
                    .addLast(
                        new HttpServerCodec(),
                        new HttpObjectAggregator(1 << 16),
                        new WebSocketServerProtocolHandler("/"),
                        new Liar());
              }
            })
        .bind(InetAddress.getLoopbackAddress(), 0)
        .sync()
        .channel();
  }

  /** Answers each request with lies first, then the truth. */
  private static final class Liar extends SimpleChannelInboundHandler<BinaryWebSocketFrame> {
    private long connection;

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, BinaryWebSocketFrame frame)
        throws ProtocolException {
      Request request = BinaryFraming.decodeRequest(frame.content().nioBuffer());
      long id = request.id();
      if (request instanceof Request.Connect) {
        connection = id;
        send(ctx, new byte[] {0x01, 0x02}); // shorter than a header
        send(ctx, new byte[] {(byte) 0xFF, 0, 0, 0, 0, 0, 0, 0, 1}); // no such type
        ctx.writeAndFlush(new TextWebSocketFrame("not json"));
        send(ctx, BinaryFraming.encode(new Event.Data(id + 1000, bytes("to nobody"))));
        send(ctx, BinaryFraming.encode(new Event.Accepted(id, id, "127.0.0.1:1"))); // id in use
        send(ctx, BinaryFraming.encode(new Event.Connected(id)));
        send(ctx, BinaryFraming.encode(new Event.Data(id, bytes("ok"))));
      } else if (request instanceof Request.Bind) {
        send(ctx, BinaryFraming.encode(new Event.Listening(id, 4000)));
        send(ctx, BinaryFraming.encode(new Event.Accepted(id, connection, "127.0.0.1:1")));
        send(ctx, BinaryFraming.encode(new Event.Accepted(id, 777, "127.0.0.1:2")));
        send(ctx, BinaryFraming.encode(new Event.Data(connection, bytes("!!"))));
      } else if (request instanceof Request.Resolve) {
        send(ctx, BinaryFraming.encode(new Event.Resolved(id, List.of("not an ip", "192.0.2.1"))));
      }
    }

    private static void send(ChannelHandlerContext ctx, byte[] frame) {
      ctx.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame)));
    }

    private static byte[] bytes(String text) {
      return text.getBytes(StandardCharsets.UTF_8);
    }
  }
}
