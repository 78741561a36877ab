package io.archipelago.http.s3;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request that ends in an S3 error answer; {@code details} become extra elements of the XML body
 * (S3 adds, for instance, {@code StringToSign} to {@code SignatureDoesNotMatch}).
 */
public final class S3Exception extends RuntimeException {

  private final S3ErrorCode code;
  private final Map<String, String> details;

  public S3Exception(S3ErrorCode code) {
    this(code, code.message(), Map.of());
  }

  public S3Exception(S3ErrorCode code, String message) {
    this(code, message, Map.of());
  }

  public S3Exception(S3ErrorCode code, String message, Map<String, String> details) {
    super(message, null, false, false);
    this.code = code;
    this.details = new LinkedHashMap<>(details);
  }

  public S3ErrorCode code() {
    return code;
  }

  public Map<String, String> details() {
    return details;
  }
}
