package io.archipelago.http.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** A bare Swift API client for tests: raw requests, status codes and headers as they are. */
public final class SwiftClient {

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final String baseUrl;
  private String token;
  private String storageUrl;

  public SwiftClient(String baseUrl) {
    this.baseUrl = baseUrl;
  }

  public static SwiftClient login(String baseUrl, String user, String key) {
    SwiftClient client = new SwiftClient(baseUrl);
    HttpResponse<String> r = client.auth(user, key);
    if (r.statusCode() != 200) {
      throw new IllegalStateException("auth failed: " + r.statusCode());
    }
    client.token = r.headers().firstValue("X-Auth-Token").orElseThrow();
    client.storageUrl = r.headers().firstValue("X-Storage-Url").orElseThrow();
    return client;
  }

  public HttpResponse<String> auth(String user, String key) {
    return send(
        HttpRequest.newBuilder(URI.create(baseUrl + "/auth/v1.0"))
            .header("X-Auth-User", user)
            .header("X-Auth-Key", key)
            .GET()
            .build());
  }

  public String token() {
    return token;
  }

  public String storageUrl() {
    return storageUrl;
  }

  /** A request to {@code storageUrl + path} (path already percent-encoded) with the token. */
  public HttpRequest.Builder request(String path) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(storageUrl + path)).timeout(Duration.ofSeconds(60));
    if (token != null) {
      b.header("X-Auth-Token", token);
    }
    return b;
  }

  public HttpResponse<String> call(
      String method, String path, Map<String, String> headers, String body) {
    HttpRequest.Builder b = request(path);
    headers.forEach(b::header);
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    return send(b.build());
  }

  public HttpResponse<String> call(String method, String path) {
    return call(method, path, Map.of(), null);
  }

  /** A request with a binary body (or none), answered as bytes. */
  public HttpResponse<byte[]> bytes(
      String method, String path, Map<String, String> headers, byte[] body) {
    HttpRequest.Builder b = request(path);
    headers.forEach(b::header);
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body));
    return send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** The path part of the storage URL: {@code /v1/AUTH_x}. */
  public String accountPath() {
    return URI.create(storageUrl).getPath();
  }

  public HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    try {
      return http.send(request, handler);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public HttpClient http() {
    return http;
  }
}
