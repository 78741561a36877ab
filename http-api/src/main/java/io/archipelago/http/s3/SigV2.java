package io.archipelago.http.s3;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 2 as S3 (and Swift's s3api) computes it for path-style requests: HMAC-SHA1
 * over verb, Content-MD5, Content-Type, date, the {@code x-amz-*} headers and the resource with its
 * subresources. Checked against AWS's published example (SigV2Test).
 */
public final class SigV2 {

  /** Query parameters that are part of the signed resource. */
  static final Set<String> SUBRESOURCES =
      Set.of(
          "acl",
          "cors",
          "delete",
          "lifecycle",
          "location",
          "logging",
          "notification",
          "partNumber",
          "policy",
          "requestPayment",
          "response-cache-control",
          "response-content-disposition",
          "response-content-encoding",
          "response-content-language",
          "response-content-type",
          "response-expires",
          "restore",
          "tagging",
          "torrent",
          "uploadId",
          "uploads",
          "versionId",
          "versioning",
          "versions",
          "website");

  private SigV2() {}

  /**
   * The string to sign.
   *
   * @param headers request headers by lower-case name
   * @param date the Date header, or Expires of a presigned URL; empty when x-amz-date is sent
   * @param rawPath the path as sent (the bucket is in it: path style)
   * @param query the decoded query
   */
  public static String stringToSign(
      String method,
      String contentMd5,
      String contentType,
      String date,
      Map<String, String> headers,
      String rawPath,
      Map<String, String> query) {
    StringBuilder sb = new StringBuilder();
    sb.append(method)
        .append('\n')
        .append(contentMd5)
        .append('\n')
        .append(contentType)
        .append('\n')
        .append(date)
        .append('\n');
    Map<String, String> amz = new TreeMap<>();
    headers.forEach(
        (name, value) -> {
          if (name.startsWith("x-amz-")) {
            amz.put(name, value.strip().replaceAll("\\s+", " "));
          }
        });
    amz.forEach((name, value) -> sb.append(name).append(':').append(value).append('\n'));
    sb.append(rawPath);
    List<String> sub = new ArrayList<>();
    new TreeMap<>(query)
        .forEach(
            (name, value) -> {
              if (SUBRESOURCES.contains(name)) {
                sub.add(value.isEmpty() ? name : name + "=" + value);
              }
            });
    if (!sub.isEmpty()) {
      sb.append('?').append(String.join("&", sub));
    }
    return sb.toString();
  }

  public static String signature(String secret, String stringToSign) {
    try {
      Mac mac = Mac.getInstance("HmacSHA1");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
      return Base64.getEncoder()
          .encodeToString(mac.doFinal(stringToSign.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
