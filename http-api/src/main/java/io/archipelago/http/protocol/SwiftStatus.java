package io.archipelago.http.protocol;

import akka.http.javadsl.model.StatusCode;
import java.util.Map;

/** Status lines as Swift words them ({@code swob.RESPONSE_REASONS}), for bulk reports. */
public final class SwiftStatus {

  private static final Map<Integer, String> REASONS =
      Map.ofEntries(
          Map.entry(200, "OK"),
          Map.entry(201, "Created"),
          Map.entry(202, "Accepted"),
          Map.entry(204, "No Content"),
          Map.entry(206, "Partial Content"),
          Map.entry(400, "Bad Request"),
          Map.entry(401, "Unauthorized"),
          Map.entry(402, "Payment Required"),
          Map.entry(403, "Forbidden"),
          Map.entry(404, "Not Found"),
          Map.entry(405, "Method Not Allowed"),
          Map.entry(406, "Not Acceptable"),
          Map.entry(408, "Request Timeout"),
          Map.entry(409, "Conflict"),
          Map.entry(410, "Gone"),
          Map.entry(411, "Length Required"),
          Map.entry(412, "Precondition Failed"),
          Map.entry(413, "Request Entity Too Large"),
          Map.entry(414, "Request URI Too Long"),
          Map.entry(415, "Unsupported Media Type"),
          Map.entry(416, "Requested Range Not Satisfiable"),
          Map.entry(417, "Expectation Failed"),
          Map.entry(422, "Unprocessable Entity"),
          Map.entry(429, "Too Many Requests"),
          Map.entry(499, "Client Disconnect"),
          Map.entry(500, "Internal Error"),
          Map.entry(501, "Not Implemented"),
          Map.entry(502, "Bad Gateway"),
          Map.entry(503, "Service Unavailable"),
          Map.entry(504, "Gateway Timeout"),
          Map.entry(507, "Insufficient Storage"));

  private SwiftStatus() {}

  public static String line(StatusCode status) {
    int code = status.intValue();
    return code + " " + REASONS.getOrDefault(code, status.reason());
  }
}
