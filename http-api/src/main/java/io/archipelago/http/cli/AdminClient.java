package io.archipelago.http.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * The admin API over HTTP, as the command line uses it: a TempAuth login ({@code /auth/v1.0}, again
 * when the token expires), JSON requests, and the gateway's answers turned into {@link
 * AdminException}s with the exit code that names them.
 */
final class AdminClient {

  static final ObjectMapper JSON = new ObjectMapper();

  /** An answer of the gateway: status and body as they came. */
  record Answer(int status, String body) {
    boolean ok() {
      return status / 100 == 2;
    }

    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (JsonProcessingException e) {
        throw new AdminException(
            AdminCli.UNAVAILABLE, "the gateway answered " + status + " without JSON: " + brief());
      }
    }

    /** The body as one short line: HTML tags and line breaks removed. */
    String brief() {
      String text = body.replaceAll("<[^>]*>", " ").replaceAll("\\s+", " ").trim();
      return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }
  }

  private final HttpClient http;
  private final String baseUrl;
  private final String user;
  private final String key;
  private final Duration timeout;
  private String token;

  AdminClient(String baseUrl, String user, String key, Duration timeout) {
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.user = user;
    this.key = key;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    try {
      URI uri = URI.create(this.baseUrl);
      if (uri.getScheme() == null || !uri.getScheme().matches("https?") || uri.getHost() == null) {
        throw new IllegalArgumentException("not an http(s) URL");
      }
    } catch (IllegalArgumentException e) {
      throw new AdminException(
          AdminCli.USAGE, "--url '" + baseUrl + "' is not an http(s) URL: " + e.getMessage());
    }
  }

  String baseUrl() {
    return baseUrl;
  }

  /** One path segment, percent-encoded (a container name may hold anything but '/'). */
  static String segment(String name) {
    return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
  }

  Answer get(String path) {
    return send("GET", path, null);
  }

  Answer post(String path, JsonNode body) {
    return send("POST", path, body);
  }

  Answer delete(String path) {
    return send("DELETE", path, null);
  }

  /** GET, POST or DELETE; any answer but 2xx is an {@link AdminException}. */
  JsonNode require(Answer answer, String what) {
    if (!answer.ok()) {
      throw failure(answer, what);
    }
    return answer.json();
  }

  /** The exit code and message for an answer that is not 2xx. */
  static AdminException failure(Answer answer, String what) {
    int s = answer.status();
    String detail = answer.brief();
    String message = what + ": HTTP " + s + (detail.isEmpty() ? "" : " " + detail);
    if (s == 400 || s == 411 || s == 413 || s == 422) {
      return new AdminException(AdminCli.USAGE, message);
    }
    if (s == 401 || s == 403) {
      return new AdminException(
          AdminCli.AUTH_REFUSED,
          message + " (the admin API needs a .reseller_admin user; check --user and --key)");
    }
    if (s == 404) {
      return new AdminException(AdminCli.NOT_FOUND, message);
    }
    if (s == 405 || s == 501) {
      return unsupported(what, s);
    }
    if (s == 409 || s == 412) {
      return new AdminException(AdminCli.CONFLICT, message);
    }
    return new AdminException(AdminCli.UNAVAILABLE, message);
  }

  static AdminException unsupported(String what, int status) {
    return new AdminException(
        AdminCli.UNSUPPORTED,
        what
            + ": this gateway does not offer it (HTTP "
            + status
            + "); it needs a newer gateway version");
  }

  /**
   * The JSON of an endpoint that older gateways lack, where 404 or 405 means "not offered" (the
   * caller checked that the resource it names exists): then exit {@link AdminCli#UNSUPPORTED}, or
   * {@link AdminCli#NOT_FOUND} with {@code missing} when a 404 may also mean "none running".
   */
  static JsonNode newEndpoint(Answer answer, String what, String missing) {
    int s = answer.status();
    if (s == 404 && missing != null) {
      throw new AdminException(AdminCli.NOT_FOUND, missing);
    }
    if (s == 404 || s == 405 || s == 501) {
      throw unsupported(what, s);
    }
    if (!answer.ok()) {
      throw failure(answer, what);
    }
    return answer.json();
  }

  /** A streamed GET (NDJSON): the lines as they arrive; close the stream to end it. */
  Stream<String> lines(String path) {
    HttpResponse<Stream<String>> response =
        exchange(
            () -> request(path).GET().build(), HttpResponse.BodyHandlers.ofLines(), "GET " + path);
    if (response.statusCode() == 401) {
      token = null;
      response =
          exchange(
              () -> request(path).GET().build(),
              HttpResponse.BodyHandlers.ofLines(),
              "GET " + path);
    }
    if (response.statusCode() / 100 != 2) {
      String body;
      try (Stream<String> lines = response.body()) {
        body = String.join("\n", lines.limit(20).toList());
      }
      throw failure(new Answer(response.statusCode(), body), "GET " + path);
    }
    return response.body();
  }

  private Answer send(String method, String path, JsonNode body) {
    String what = method + " " + path;
    HttpResponse<String> r =
        exchange(() -> build(method, path, body), HttpResponse.BodyHandlers.ofString(), what);
    if (r.statusCode() == 401) {
      // the token may have expired during a long watch: one new login, one more try
      token = null;
      r = exchange(() -> build(method, path, body), HttpResponse.BodyHandlers.ofString(), what);
    }
    return new Answer(r.statusCode(), r.body());
  }

  private HttpRequest build(String method, String path, JsonNode body) {
    HttpRequest.Builder b = request(path).timeout(timeout);
    if (body == null) {
      return b.method(method, HttpRequest.BodyPublishers.noBody()).build();
    }
    return b.header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(body.toString()))
        .build();
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(baseUrl + path)).header("X-Auth-Token", token());
  }

  private interface RequestFactory {
    HttpRequest create();
  }

  private <T> HttpResponse<T> exchange(
      RequestFactory request, HttpResponse.BodyHandler<T> handler, String what) {
    try {
      return http.send(request.create(), handler);
    } catch (HttpTimeoutException e) {
      throw new AdminException(
          AdminCli.UNAVAILABLE, what + ": no answer from " + baseUrl + " within " + timeout, e);
    } catch (ConnectException e) {
      throw new AdminException(
          AdminCli.UNAVAILABLE, "cannot connect to " + baseUrl + " (is the gateway running?)", e);
    } catch (IOException e) {
      throw new AdminException(AdminCli.UNAVAILABLE, what + ": " + baseUrl + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AdminException(AdminCli.UNAVAILABLE, what + ": interrupted", e);
    }
  }

  /** The TempAuth token of {@code user}, logging in when there is none yet. */
  private String token() {
    if (token != null) {
      return token;
    }
    HttpResponse<String> r =
        exchange(
            () ->
                HttpRequest.newBuilder(URI.create(baseUrl + "/auth/v1.0"))
                    .timeout(timeout)
                    .header("X-Auth-User", user)
                    .header("X-Auth-Key", key)
                    .GET()
                    .build(),
            HttpResponse.BodyHandlers.ofString(),
            "GET /auth/v1.0");
    if (r.statusCode() == 401 || r.statusCode() == 403) {
      throw new AdminException(
          AdminCli.AUTH_REFUSED,
          "the gateway at "
              + baseUrl
              + " refused the credentials of "
              + user
              + " (HTTP "
              + r.statusCode()
              + ")");
    }
    token =
        r.headers()
            .firstValue("X-Auth-Token")
            .orElseThrow(
                () -> failure(new Answer(r.statusCode(), r.body()), "GET /auth/v1.0 as " + user));
    return token;
  }
}
