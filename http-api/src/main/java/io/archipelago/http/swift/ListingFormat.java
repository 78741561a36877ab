package io.archipelago.http.swift;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.HttpCharset;
import akka.http.javadsl.model.HttpCharsets;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.model.headers.RawHeader;
import io.archipelago.http.protocol.AcceptHeader;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftException;
import io.archipelago.http.protocol.SwiftRequest;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How a listing is rendered: {@code format=} wins, else the {@code Accept} header negotiated as
 * Swift does (406 when no format is acceptable, 400 for a malformed header), else plain. The
 * content types are exactly Swift's listing_formats ones, {@code <type>; charset=utf-8} with the
 * charset in lower case (also on HEAD and on the 204 of an empty plain listing).
 */
public enum ListingFormat {
  PLAIN(MediaTypes.TEXT_PLAIN.toContentType(Charset.UTF8)),
  // Akka's application/json has a fixed charset it never renders; Swift names it
  JSON(
      MediaTypes.customWithOpenCharset("application", "json", Map.of(), false)
          .toContentType(Charset.UTF8)),
  XML(MediaTypes.APPLICATION_XML.toContentType(Charset.UTF8));

  private static final class Charset {
    static final HttpCharset UTF8 = HttpCharsets.custom("utf-8");
  }

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
    Optional<String> best;
    try {
      best = AcceptHeader.negotiate(request.header("accept").orElse(null), OFFERS);
    } catch (IllegalArgumentException malformed) {
      throw SwiftException.plain(SwiftError.BAD_REQUEST, "Invalid Accept header");
    }
    return switch (best.orElseThrow(() -> new SwiftException(SwiftError.NOT_ACCEPTABLE))) {
      case "application/json" -> JSON;
      case "application/xml", "text/xml" -> XML;
      default -> PLAIN;
    };
  }

  /** What Swift's listing_formats offers, in its order (the first wins for {@code *}{@code /*}). */
  private static final List<String> OFFERS =
      List.of("text/plain", "application/json", "application/xml", "text/xml");

  /**
   * {@code Vary: Accept} on listings (GET and HEAD answers) whose format the Accept header chose,
   * that is without {@code format=}; none otherwise.
   */
  public static List<HttpHeader> vary(SwiftRequest request) {
    return request.queryParam("format").isPresent()
        ? List.of()
        : List.of(RawHeader.create("Vary", "Accept"));
  }
}
