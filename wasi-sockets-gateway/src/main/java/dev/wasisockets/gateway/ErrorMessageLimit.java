package dev.wasisockets.gateway;

import dev.wasisockets.wasmnet.protocol.Event;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

/**
 * Cuts the message of an outgoing {@code error} or {@code denied} event to {@link
 * #MAX_MESSAGE_CHARS}: a message may quote what the client sent (an op, a host name), and the
 * answer to a request must not be as large as the request, or a client that never reads could make
 * the gateway queue a copy of all it sent. Sits between the session and the frame codec, so every
 * event passes it, the codec's own answers to undecodable frames too.
 */
final class ErrorMessageLimit extends ChannelOutboundHandlerAdapter {
  /** The longest message an {@code error} or {@code denied} carries, in UTF-16 characters. */
  static final int MAX_MESSAGE_CHARS = 1024;

  @Override
  public void write(ChannelHandlerContext ctx, Object message, ChannelPromise promise) {
    ctx.write(message instanceof Event event ? quoteLess(event) : message, promise);
  }

  static Event quoteLess(Event event) {
    if (event instanceof Event.Error error && error.msg().length() > MAX_MESSAGE_CHARS) {
      return new Event.Error(error.id(), cut(error.msg()));
    }
    if (event instanceof Event.Denied denied && denied.msg().length() > MAX_MESSAGE_CHARS) {
      return new Event.Denied(denied.id(), cut(denied.msg()));
    }
    return event;
  }

  /** The first characters and an ellipsis, {@link #MAX_MESSAGE_CHARS} in all; no half surrogate. */
  private static String cut(String message) {
    int end = MAX_MESSAGE_CHARS - 1;
    if (Character.isHighSurrogate(message.charAt(end - 1))) {
      end--;
    }
    return message.substring(0, end) + "…";
  }
}
