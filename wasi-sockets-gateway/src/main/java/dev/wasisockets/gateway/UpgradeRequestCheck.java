package dev.wasisockets.gateway;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import java.util.Map;

/**
 * Refuses a request that is not well-formed HTTP/1.1 before anything else reads it, so that no
 * malformed request is ever upgraded: what a lenient parser reads one way, a proxy in front may
 * read another (request smuggling), and a head cut at the size limit must not be taken for a whole
 * one. Netty's decoder reports most defects in the request's {@link DecoderResult} but passes the
 * request on; the rest are checked here. After the request, every answer but 101 closes the
 * connection: one upgrade request per connection.
 */
final class UpgradeRequestCheck extends ChannelDuplexHandler {
  private boolean refused;

  /**
   * The head is checked as the decoder gives it, before {@link
   * io.netty.handler.codec.http.HttpObjectAggregator} rewrites its framing headers (it drops {@code
   * chunked} and sets a Content-Length), then every piece of the body: there must be none.
   */
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (refused) {
      ReferenceCountUtil.release(msg); // the rest of a refused request
      return;
    }
    HttpResponseStatus refusal = null;
    if (msg instanceof HttpRequest request) {
      refusal = refusal(request);
    }
    if (refusal == null && msg instanceof HttpContent content) {
      refusal =
          content.decoderResult().isFailure() || content.content().isReadable()
              ? HttpResponseStatus.BAD_REQUEST
              : null;
    }
    if (refusal == null) {
      ctx.fireChannelRead(msg);
      return;
    }
    ReferenceCountUtil.release(msg);
    refused = true;
    HttpRefusal.send(ctx, refusal);
  }

  /**
   * Whichever handler answers the request: 101 and the WebSocket takes over; anything final but 101
   * (Netty's own 426 for an unknown WebSocket version keeps the connection open) ends it.
   */
  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!(msg instanceof HttpResponse response)) {
      ctx.write(msg, promise);
      return;
    }
    int code = response.status().code();
    if (code == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
      ctx.write(msg, promise);
      ctx.pipeline().remove(this);
    } else if (code >= 200) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.write(msg, promise.unvoid()).addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx.write(msg, promise);
    }
  }

  /** The answer for a malformed request, or null for a well-formed one. */
  static HttpResponseStatus refusal(HttpRequest request) {
    DecoderResult decoded = request.decoderResult();
    if (decoded.isFailure()) {
      // The head over the limit is cut where the limit fell: never act on what was read of it.
      return decoded.cause() instanceof TooLongHttpHeaderException
          ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
          : decoded.cause() instanceof TooLongHttpLineException
              ? HttpResponseStatus.REQUEST_URI_TOO_LONG
              : HttpResponseStatus.BAD_REQUEST;
    }
    HttpVersion version = request.protocolVersion();
    if (!version.protocolName().equals("HTTP")) {
      return HttpResponseStatus.BAD_REQUEST;
    }
    if (version.majorVersion() != 1) {
      // RFC 9110 §15.6.6: the major version is one the server does not speak.
      return HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED;
    }
    if (version.minorVersion() < 1 || !isVisibleAscii(request.uri())) {
      // RFC 6455 §4.1: the opening handshake is HTTP/1.1 or later.
      return HttpResponseStatus.BAD_REQUEST;
    }
    return badHeaders(request.headers()) ? HttpResponseStatus.BAD_REQUEST : null;
  }

  /**
   * RFC 9110 §5.1, §5.5: a field name is a token, a field value has no control character but HTAB
   * (a NUL or CR in it is how headers are injected); RFC 9112 §3.2: exactly one Host. A body has no
   * place in the opening handshake (RFC 6455 §4.1), so any framing for one (Transfer-Encoding, a
   * Content-Length other than 0, or both: RFC 9112 §6.1) is refused rather than interpreted.
   */
  private static boolean badHeaders(HttpHeaders headers) {
    for (Map.Entry<String, String> header : headers) {
      if (!isToken(header.getKey()) || hasControl(header.getValue())) {
        return true;
      }
    }
    if (headers.getAll(HttpHeaderNames.HOST).size() != 1
        || headers.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
      return true;
    }
    List<String> lengths = headers.getAll(HttpHeaderNames.CONTENT_LENGTH);
    return lengths.size() > 1 || lengths.size() == 1 && !lengths.get(0).equals("0");
  }

  private static boolean isToken(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean alphanumeric = c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z';
      if (!alphanumeric && "!#$%&'*+-.^_`|~".indexOf(c) < 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean hasControl(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 && c != '\t' || c == 0x7f) {
        return true;
      }
    }
    return false;
  }

  /** RFC 3986 §2: a URI is printable ASCII, without spaces. */
  private static boolean isVisibleAscii(String uri) {
    for (int i = 0; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        return false;
      }
    }
    return true;
  }
}
