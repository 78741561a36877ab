package io.archipelago.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Pattern;

/** A minimal Swift client for the benchmark: TempAuth login and raw requests. */
final class SwiftHttp {

  // HTTP/1.1 as Swift clients speak it (the JDK's default would offer an h2c upgrade).
  final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  final String storageUrl;
  final String token;

  private SwiftHttp(String storageUrl, String token) {
    this.storageUrl = storageUrl;
    this.token = token;
  }

  static SwiftHttp login(String authUrl, String user, String key)
      throws IOException, InterruptedException {
    HttpClient client = HttpClient.newHttpClient();
    HttpResponse<Void> r =
        client.send(
            HttpRequest.newBuilder(URI.create(authUrl))
                .header("X-Auth-User", user)
                .header("X-Auth-Key", key)
                .build(),
            HttpResponse.BodyHandlers.discarding());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("auth at " + authUrl + " answered " + r.statusCode());
    }
    return new SwiftHttp(
        r.headers().firstValue("X-Storage-Url").orElseThrow(),
        r.headers().firstValue("X-Auth-Token").orElseThrow());
  }

  /** A client of a server without authentication (the token header is sent and ignored). */
  static SwiftHttp unauthenticated(String url) {
    return new SwiftHttp(url, "none");
  }

  /** The same account and token, reached through {@code port} on 127.0.0.1 (a relay in front). */
  SwiftHttp through(int port) {
    URI storage = URI.create(storageUrl);
    return new SwiftHttp(
        storageUrl.replaceFirst(Pattern.quote(storage.getRawAuthority()), "127.0.0.1:" + port),
        token);
  }

  HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(storageUrl + path))
        .timeout(Duration.ofMinutes(10))
        .header("X-Auth-Token", token);
  }

  int send(HttpRequest request) throws IOException, InterruptedException {
    return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** Reads a whole body, counting bytes without keeping them. */
  long drain(HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(request.uri() + " answered " + r.statusCode());
    }
    long total = 0;
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = r.body()) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        total += n;
      }
    }
    return total;
  }
}
