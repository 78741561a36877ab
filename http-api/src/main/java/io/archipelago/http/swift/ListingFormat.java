package io.archipelago.http.swift;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.model.HttpCharsets;
import java.util.Locale;

/** How a listing is rendered: {@code format=} wins, else the {@code Accept} header, else plain. */
public enum ListingFormat {
  PLAIN(ContentTypes.TEXT_PLAIN_UTF8),
  JSON(MediaTypes.APPLICATION_JSON.toContentType()),
  XML(MediaTypes.APPLICATION_XML.toContentType(HttpCharsets.UTF_8));

  private final ContentType contentType;

  ListingFormat(ContentType contentType) {
    this.contentType = contentType;
  }

  public ContentType contentType() {
    return contentType;
  }

  public static ListingFormat of(SwiftRequest request) {
    var format = request.queryParam("format").map(f -> f.toLowerCase(Locale.ROOT));
    if (format.isPresent()) {
      return switch (format.get()) {
        case "json" -> JSON;
        case "xml" -> XML;
        default -> PLAIN;
      };
    }
    String accept = request.header("accept").orElse("").toLowerCase(Locale.ROOT);
    if (accept.contains("application/json")) {
      return JSON;
    }
    if (accept.contains("application/xml") || accept.contains("text/xml")) {
      return XML;
    }
    return PLAIN;
  }
}
