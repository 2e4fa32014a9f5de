package dev.wasisockets.wasmnet.frames;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.LogCapture;
import dev.wasisockets.wasmnet.NettyLeakCheck;
import dev.wasisockets.wasmnet.protocol.BinaryFraming;
import dev.wasisockets.wasmnet.protocol.Event;
import dev.wasisockets.wasmnet.protocol.Framing;
import dev.wasisockets.wasmnet.protocol.MessageType;
import dev.wasisockets.wasmnet.protocol.Request;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The codec alone, at both ends of a link, for what a real peer cannot easily send: bad UTF-8, and
 * the exact frames the byte path makes.
 */
@ExtendWith(NettyLeakCheck.class)
class WasmnetFrameCodecTest {
  private static final byte[] HI = "hi".getBytes(StandardCharsets.US_ASCII);

  @Test
  void theGatewayAnswersATextMessageThatIsNotUtf8WithAnErrorInJson() {
    EmbeddedChannel channel = new EmbeddedChannel(WasmnetFrameCodec.forGateway(1024));

    channel.writeInbound(
        new TextWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {'{', (byte) 0xc3, '}'})));

    assertThat((Object) channel.readInbound()).isNull();
    TextWebSocketFrame answer = channel.readOutbound();
    try {
      assertThat(answer.text())
          .isEqualTo("{\"ev\":\"error\",\"id\":0,\"msg\":\"text message is not valid UTF-8\"}");
    } finally {
      answer.release();
    }
    assertThat(channel.finish()).isFalse();
  }

  @Test
  void theGatewayReadsAValidTextMessageAsARequest() {
    EmbeddedChannel channel = new EmbeddedChannel(WasmnetFrameCodec.forGateway(1024));

    channel.writeInbound(new TextWebSocketFrame("{\"op\":\"close\",\"id\":3}"));

    assertThat((Object) channel.readInbound()).isEqualTo(new Request.Close(3));
    assertThat(channel.finish()).isFalse();
  }

  @Test
  void aClientDropsAServerFrameThatDoesNotDecodeAndSaysSo() {
    EmbeddedChannel channel =
        new EmbeddedChannel(WasmnetFrameCodec.forClient(Framing.BINARY, 1024));
    try (LogCapture log = new LogCapture(WasmnetFrameCodec.class.getName())) {
      channel.writeInbound(new TextWebSocketFrame("{\"ev\":\"frobnicated\",\"id\":4}"));

      assertThat((Object) channel.readInbound()).isNull();
      assertThat((Object) channel.readOutbound()).isNull(); // a client answers no server frame
      assertThat(log.lines())
          .containsExactly("dropped a frame from the wasmnet server: unknown ev \"frobnicated\"");
    }
    assertThat(channel.finish()).isFalse();
  }

  @Test
  void aClientGetsBinaryDataAsASliceOfTheFrame() {
    EmbeddedChannel channel =
        new EmbeddedChannel(WasmnetFrameCodec.forClient(Framing.BINARY, 1024));
    ByteBuf frame = Unpooled.buffer().writeBytes(BinaryFraming.header(MessageType.DATA, 7));
    frame.writeBytes(HI);

    channel.writeInbound(new BinaryWebSocketFrame(frame));

    SocketBytes bytes = channel.readInbound();
    try {
      assertThat(bytes.id()).isEqualTo(7);
      assertThat(ByteBufUtil.getBytes(bytes.content())).isEqualTo(HI);
      assertThat(bytes.content().unwrap()).isSameAs(frame); // the frame's buffer, not a copy
    } finally {
      bytes.release();
    }
    assertThat(channel.finish()).isFalse();
  }

  @Test
  void aClientsBytesGoOutAsASendInItsFraming() {
    EmbeddedChannel binary = new EmbeddedChannel(WasmnetFrameCodec.forClient(Framing.BINARY, 1024));
    EmbeddedChannel json = new EmbeddedChannel(WasmnetFrameCodec.forClient(Framing.JSON, 1024));

    binary.writeOutbound(new SocketBytes(5, Unpooled.wrappedBuffer(HI)));
    json.writeOutbound(new SocketBytes(5, Unpooled.wrappedBuffer(HI)));

    BinaryWebSocketFrame frame = binary.readOutbound();
    TextWebSocketFrame text = json.readOutbound();
    try {
      assertThat(ByteBufUtil.getBytes(frame.content()))
          .isEqualTo(BinaryFraming.encode(new Request.Send(5, HI)));
      assertThat(text.text()).isEqualTo("{\"op\":\"send\",\"id\":5,\"data\":\"aGk=\"}");
    } finally {
      frame.release();
      text.release();
    }
    assertThat(binary.finish()).isFalse();
    assertThat(json.finish()).isFalse();
  }

  @Test
  void theGatewayWritesBytesWithHeaderRoomIntoTheirOwnBuffer() {
    EmbeddedChannel channel = new EmbeddedChannel(WasmnetFrameCodec.forGateway(1024));
    channel.writeInbound(
        new BinaryWebSocketFrame(
            Unpooled.wrappedBuffer(BinaryFraming.encode(new Request.Close(1)))));
    channel.readInbound(); // the client spoke binary: the gateway answers in binary
    ByteBuf read = Unpooled.buffer();
    read.writerIndex(BinaryFraming.HEADER_BYTES).readerIndex(BinaryFraming.HEADER_BYTES);
    read.writeBytes(HI);

    channel.writeOutbound(new SocketBytes(9, read, true));

    BinaryWebSocketFrame frame = channel.readOutbound();
    try {
      assertThat(frame.content().unwrap()).isSameAs(read);
      assertThat(ByteBufUtil.getBytes(frame.content()))
          .isEqualTo(BinaryFraming.encode(new Event.Data(9, HI)));
    } finally {
      frame.release();
    }
    assertThat(channel.finish()).isFalse();
  }
}
