package io.archipelago.http.console;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.RawHeader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The operator console's static files at {@code /console/}: a public route (the page holds no data
 * and no secret; everything it shows comes from the admin API with the token the operator logs in
 * with). The files are read from the jar ({@code console/} on the class path) once, at start. Every
 * answer, errors included, carries a Content-Security-Policy that allows only this origin's own
 * scripts, styles and requests (no inline code, no framing), {@code X-Content-Type-Options:
 * nosniff} and {@code Referrer-Policy: no-referrer}.
 */
public final class ConsoleRoutes {

  /** The console's path; {@code /console} alone redirects to it. */
  public static final String PATH = "/console/";

  static final String CONTENT_SECURITY_POLICY =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src"
          + " 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors"
          + " 'none'";

  private static final List<HttpHeader> SECURITY_HEADERS =
      List.of(
          RawHeader.create("Content-Security-Policy", CONTENT_SECURITY_POLICY),
          RawHeader.create("X-Content-Type-Options", "nosniff"),
          RawHeader.create("X-Frame-Options", "DENY"),
          RawHeader.create("Referrer-Policy", "no-referrer"),
          RawHeader.create("Cache-Control", "no-cache"));

  private static final Map<String, ContentType> FILES =
      Map.of(
          "index.html", ContentTypes.TEXT_HTML_UTF8,
          "console.css", ContentTypes.parse("text/css; charset=utf-8"),
          "console.js", ContentTypes.parse("text/javascript; charset=utf-8"),
          "placement.js", ContentTypes.parse("text/javascript; charset=utf-8"),
          "favicon.svg", ContentTypes.parse("image/svg+xml"));

  private final Map<String, byte[]> contents = new LinkedHashMap<>();

  public ConsoleRoutes() {
    for (String name : FILES.keySet()) {
      try (InputStream in = ConsoleRoutes.class.getResourceAsStream("/console/" + name)) {
        if (in == null) {
          throw new IllegalStateException("the console's " + name + " is missing from the jar");
        }
        contents.put(name, in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Whether the raw path is the console's. */
  public static boolean handles(String rawPath) {
    return rawPath.equals("/console") || rawPath.startsWith(PATH);
  }

  public HttpResponse handle(HttpRequest request, String rawPath) {
    var method = request.method();
    if (!method.equals(HttpMethods.GET) && !method.equals(HttpMethods.HEAD)) {
      return secured(
          HttpResponse.create()
              .withStatus(StatusCodes.METHOD_NOT_ALLOWED)
              .addHeader(RawHeader.create("Allow", "GET, HEAD"))
              .withEntity("The console's files are only read (GET, HEAD).\n"));
    }
    if (rawPath.equals("/console")) {
      return secured(
          HttpResponse.create()
              .withStatus(StatusCodes.MOVED_PERMANENTLY)
              .addHeader(RawHeader.create("Location", PATH))
              .withEntity("Moved to " + PATH + "\n"));
    }
    String name = rawPath.substring(PATH.length());
    if (name.isEmpty()) {
      name = "index.html";
    }
    byte[] body = contents.get(name);
    if (body == null) {
      return secured(
          HttpResponse.create().withStatus(StatusCodes.NOT_FOUND).withEntity("Not Found\n"));
    }
    return secured(HttpResponse.create().withEntity(HttpEntities.create(FILES.get(name), body)));
  }

  private static HttpResponse secured(HttpResponse response) {
    return response.addHeaders(SECURITY_HEADERS);
  }
}
