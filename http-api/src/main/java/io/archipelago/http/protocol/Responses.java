package io.archipelago.http.protocol;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.headers.RawHeader;
import akka.util.ByteString;
import java.util.ArrayList;
import java.util.List;

/** Small builders for Swift responses. */
public final class Responses {

  private Responses() {}

  public static HttpResponse empty(StatusCode status, List<HttpHeader> headers) {
    return HttpResponse.create()
        .withStatus(status)
        .withEntity(HttpEntities.create(ContentTypes.TEXT_HTML_UTF8, ""))
        .addHeaders(headers);
  }

  /** A bodiless answer with the given content type (account and container HEAD, empty listings). */
  public static HttpResponse empty(
      StatusCode status, List<HttpHeader> headers, ContentType contentType) {
    return HttpResponse.create()
        .withStatus(status)
        .withEntity(HttpEntities.create(contentType, ByteString.emptyByteString()))
        .addHeaders(headers);
  }

  public static HttpResponse text(StatusCode status, String body, List<HttpHeader> headers) {
    return HttpResponse.create()
        .withStatus(status)
        .withEntity(HttpEntities.create(ContentTypes.TEXT_HTML_UTF8, body))
        .addHeaders(headers);
  }

  public static HeaderList headers() {
    return new HeaderList();
  }

  /** Collects response headers in order. */
  public static final class HeaderList {
    private final List<HttpHeader> headers = new ArrayList<>();

    public HeaderList add(String name, Object value) {
      headers.add(RawHeader.create(name, String.valueOf(value)));
      return this;
    }

    public HeaderList addAll(List<HttpHeader> more) {
      headers.addAll(more);
      return this;
    }

    public List<HttpHeader> list() {
      return headers;
    }
  }
}
