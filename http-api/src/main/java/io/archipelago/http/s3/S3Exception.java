package io.archipelago.http.s3;

import akka.http.javadsl.model.HttpHeader;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A request that ends in an S3 error answer; {@code details} become extra elements of the XML body
 * (S3 adds, for instance, {@code StringToSign} to {@code SignatureDoesNotMatch}).
 */
public final class S3Exception extends RuntimeException {

  private final S3ErrorCode code;
  private final Map<String, String> details;
  private final List<HttpHeader> headers;

  public S3Exception(S3ErrorCode code) {
    this(code, code.message(), Map.of());
  }

  public S3Exception(S3ErrorCode code, String message) {
    this(code, message, Map.of());
  }

  public S3Exception(S3ErrorCode code, String message, Map<String, String> details) {
    this(code, message, details, List.of());
  }

  /** An error whose answer carries {@code headers} too (a delete marker's, say). */
  public S3Exception(
      S3ErrorCode code, String message, Map<String, String> details, List<HttpHeader> headers) {
    super(message, null, false, false);
    this.code = code;
    this.details = new LinkedHashMap<>(details);
    this.headers = List.copyOf(headers);
  }

  public List<HttpHeader> headers() {
    return headers;
  }

  public S3ErrorCode code() {
    return code;
  }

  public Map<String, String> details() {
    return details;
  }
}
