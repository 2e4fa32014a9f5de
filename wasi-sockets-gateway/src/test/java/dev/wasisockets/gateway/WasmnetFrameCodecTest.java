package dev.wasisockets.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasisockets.wasmnet.NettyLeakCheck;
import dev.wasisockets.wasmnet.protocol.Request;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The codec alone, for what the JDK's WebSocket client cannot send. */
@ExtendWith(NettyLeakCheck.class)
class WasmnetFrameCodecTest {

  @Test
  void aTextMessageThatIsNotUtf8IsAnErrorInJson() {
    EmbeddedChannel channel = new EmbeddedChannel(new WasmnetFrameCodec(1024));

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
  void aValidTextMessageIsARequest() {
    EmbeddedChannel channel = new EmbeddedChannel(new WasmnetFrameCodec(1024));

    channel.writeInbound(new TextWebSocketFrame("{\"op\":\"close\",\"id\":3}"));

    assertThat((Object) channel.readInbound()).isEqualTo(new Request.Close(3));
    assertThat(channel.finish()).isFalse();
  }
}
