package io.archipelago.http.protocol;

import akka.http.javadsl.model.AttributeKey;
import akka.http.javadsl.model.HttpMessage;
import java.util.Optional;

/**
 * The ETag S3 shows for a completed multipart upload ({@code <md5 of the parts' md5s>-<parts>}),
 * kept as Swift's s3api keeps it: on the SLO manifest that the S3 front end writes, shown in
 * listings ({@code s3_etag}) and to S3 reads. It travels inside the gateway as an attribute of the
 * in-process request (the S3 Complete's manifest PUT) and of the answer (an S3 GET or HEAD), never
 * as a header, so no client can set or see it on the wire.
 */
public final class MultipartEtag {

  /** The S3 ETag of a manifest being written, or of the object being read. */
  public static final AttributeKey<String> ATTRIBUTE =
      AttributeKey.create("archipelago-s3-multipart-etag", String.class);

  /**
   * S3's bound on the parts of one upload; a manifest written by the S3 front end may have this
   * many segments, while Swift clients keep SLO's own bound ({@code max_manifest_segments}).
   */
  public static final int MAX_PARTS = 10000;

  /** The content type parameter that keeps it on the manifest (a gateway-only parameter). */
  static final String PARAM = "swift_s3_etag";

  private MultipartEtag() {}

  /** The S3 ETag a request or answer carries. */
  public static Optional<String> of(HttpMessage message) {
    return message.getAttribute(ATTRIBUTE);
  }

  /** The S3 ETag a stored content type carries. */
  public static Optional<String> ofContentType(String contentType) {
    return SwiftHeaders.swiftParam(contentType, PARAM);
  }

  /** The parameter to append to a manifest's content type. */
  public static String param(String s3Etag) {
    return ";" + PARAM + "=" + s3Etag;
  }
}
