package io.archipelago.http.s3;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpRequest;
import io.archipelago.http.auth.S3AccessKeys;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a request's AWS Signature Version 4, from the {@code Authorization} header or from a
 * presigned URL's query, against the access keys; Signature Version 2 (header and presigned) as
 * Swift's s3api accepts it. A request with no signature is anonymous.
 */
public final class S3Authenticator {

  static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT);
  private static final Duration MAX_SKEW = Duration.ofMinutes(15);
  private static final long MAX_PRESIGNED_SECONDS = 604800;
  private static final long MAX_V2_EXPIRES = 1L << 31;

  /**
   * Who signed and how the payload is to be checked.
   *
   * @param key the access key, empty for an anonymous request
   * @param payloadHash {@code x-amz-content-sha256} as signed (a hex hash, UNSIGNED-PAYLOAD or a
   *     STREAMING-* mode)
   * @param chunkSigning for a signed aws-chunked body, how its chunks are signed
   */
  public record Authenticated(
      Optional<S3AccessKeys.AccessKey> key,
      String payloadHash,
      Optional<AwsChunked.Signing> chunkSigning) {}

  private final S3AccessKeys keys;

  public S3Authenticator(S3AccessKeys keys) {
    this.keys = keys;
  }

  /**
   * @param headers the request's headers by lower-case name
   */
  public Authenticated authenticate(
      HttpRequest request,
      String rawPath,
      String rawQuery,
      Map<String, String> headers,
      Map<String, String> query,
      Instant now) {
    String authorization = headers.get("authorization");
    if (authorization != null) {
      if (authorization.startsWith("AWS ")) {
        return fromV2Header(
            request, rawPath, headers, query, authorization.substring(4).strip(), now);
      }
      if (!authorization.startsWith(SigV4.ALGORITHM + " ")) {
        throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "Unsupported Authorization Type");
      }
      return fromHeader(request, rawPath, rawQuery, headers, authorization, now);
    }
    if (query.containsKey("X-Amz-Algorithm") || query.containsKey("X-Amz-Signature")) {
      return fromQuery(request, rawPath, rawQuery, headers, query, now);
    }
    if (query.containsKey("Signature") || query.containsKey("AWSAccessKeyId")) {
      return fromV2Query(request, rawPath, headers, query, now);
    }
    return new Authenticated(
        Optional.empty(),
        headers.getOrDefault("x-amz-content-sha256", SigV4.UNSIGNED_PAYLOAD),
        Optional.empty());
  }

  private Authenticated fromHeader(
      HttpRequest request,
      String rawPath,
      String rawQuery,
      Map<String, String> headers,
      String authorization,
      Instant now) {
    Map<String, String> parts = new HashMap<>();
    for (String part : authorization.substring(SigV4.ALGORITHM.length() + 1).split(",")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        parts.put(part.substring(0, eq).strip(), part.substring(eq + 1).strip());
      }
    }
    String credentialText = parts.get("Credential");
    String signedHeaders = parts.get("SignedHeaders");
    String signature = parts.get("Signature");
    if (credentialText == null || signedHeaders == null || signature == null) {
      throw new S3Exception(
          S3ErrorCode.AUTHORIZATION_HEADER_MALFORMED,
          "The authorization header is malformed; it needs Credential, SignedHeaders and Signature.");
    }
    SigV4.Credential credential =
        credential(credentialText, S3ErrorCode.AUTHORIZATION_HEADER_MALFORMED);
    // an empty header counts as none, as Swift's s3api reads them
    String amzDate =
        Optional.ofNullable(headers.get("x-amz-date"))
            .filter(d -> !d.isBlank())
            .orElse(headers.get("date"));
    if (amzDate == null || amzDate.isBlank()) {
      throw new S3Exception(
          S3ErrorCode.ACCESS_DENIED,
          "AWS authentication requires a valid Date or x-amz-date header");
    }
    Instant signedAt;
    try {
      signedAt = parseDate(amzDate.strip(), S3ErrorCode.ACCESS_DENIED);
    } catch (S3Exception e) {
      throw new S3Exception(
          S3ErrorCode.ACCESS_DENIED,
          "AWS authentication requires a valid Date or x-amz-date header");
    }
    if (Duration.between(signedAt, now).abs().compareTo(MAX_SKEW) > 0) {
      throw new S3Exception(
          S3ErrorCode.REQUEST_TIME_TOO_SKEWED,
          S3ErrorCode.REQUEST_TIME_TOO_SKEWED.message(),
          Map.of(
              "RequestTime",
              amzDate,
              "ServerTime",
              now.toString(),
              "MaxAllowedSkewMilliseconds",
              "900000"));
    }
    String payloadHash = headers.get("x-amz-content-sha256");
    if (payloadHash == null) {
      throw new S3Exception(
          S3ErrorCode.INVALID_REQUEST,
          "Missing required header for this request: x-amz-content-sha256");
    }
    S3AccessKeys.AccessKey key = key(credential);
    byte[] signingKey = SigV4.signingKey(key.secret(), credential);
    verify(
        request,
        rawPath,
        SigV4.canonicalQuery(rawQuery, Set.of()),
        headers,
        List.of(signedHeaders.split(";")),
        payloadHash,
        amzDate.strip(),
        credential,
        signingKey,
        signature,
        key);
    Optional<AwsChunked.Signing> chunkSigning =
        payloadHash.startsWith("STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
            ? Optional.of(
                new AwsChunked.Signing(
                    signingKey,
                    amzDate.strip(),
                    credential.scope(),
                    signature.toLowerCase(Locale.ROOT)))
            : Optional.empty();
    return new Authenticated(Optional.of(key), payloadHash, chunkSigning);
  }

  private Authenticated fromQuery(
      HttpRequest request,
      String rawPath,
      String rawQuery,
      Map<String, String> headers,
      Map<String, String> query,
      Instant now) {
    String algorithm = query.get("X-Amz-Algorithm");
    String credentialText = query.get("X-Amz-Credential");
    String amzDate = query.get("X-Amz-Date");
    String expires = query.get("X-Amz-Expires");
    String signedHeaders = query.get("X-Amz-SignedHeaders");
    String signature = query.get("X-Amz-Signature");
    if (algorithm == null
        || credentialText == null
        || amzDate == null
        || expires == null
        || signedHeaders == null
        || signature == null) {
      throw new S3Exception(S3ErrorCode.AUTHORIZATION_QUERY_PARAMETERS_ERROR);
    }
    if (!algorithm.equals(SigV4.ALGORITHM)) {
      throw new S3Exception(
          S3ErrorCode.AUTHORIZATION_QUERY_PARAMETERS_ERROR,
          "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
    }
    SigV4.Credential credential =
        credential(credentialText, S3ErrorCode.AUTHORIZATION_QUERY_PARAMETERS_ERROR);
    Instant signedAt = parseDate(amzDate, S3ErrorCode.AUTHORIZATION_QUERY_PARAMETERS_ERROR);
    long seconds;
    try {
      seconds = Long.parseLong(expires);
    } catch (NumberFormatException e) {
      throw new S3Exception(
          S3ErrorCode.AUTHORIZATION_QUERY_PARAMETERS_ERROR, "X-Amz-Expires should be a number");
    }
    if (seconds < 0) {
      throw new S3Exception(
          S3ErrorCode.AUTHORIZATION_QUERY_PARAMETERS_ERROR, "X-Amz-Expires must be non-negative");
    }
    if (seconds > MAX_PRESIGNED_SECONDS) {
      throw new S3Exception(
          S3ErrorCode.AUTHORIZATION_QUERY_PARAMETERS_ERROR,
          "X-Amz-Expires must be less than 604800 seconds");
    }
    if (now.isAfter(signedAt.plusSeconds(seconds))) {
      throw new S3Exception(
          S3ErrorCode.ACCESS_DENIED,
          "Request has expired",
          Map.of(
              "X-Amz-Expires",
              expires,
              "Expires",
              signedAt.plusSeconds(seconds).toString(),
              "ServerTime",
              now.toString()));
    }
    if (signedAt.isAfter(now.plus(MAX_SKEW))) {
      throw new S3Exception(S3ErrorCode.ACCESS_DENIED, "Request is not valid yet");
    }
    String payloadHash =
        Optional.ofNullable(query.get("X-Amz-Content-Sha256"))
            .or(() -> Optional.ofNullable(headers.get("x-amz-content-sha256")))
            .orElse(SigV4.UNSIGNED_PAYLOAD);
    S3AccessKeys.AccessKey key = key(credential);
    byte[] signingKey = SigV4.signingKey(key.secret(), credential);
    verify(
        request,
        rawPath,
        SigV4.canonicalQuery(rawQuery, Set.of("X-Amz-Signature")),
        headers,
        List.of(signedHeaders.split(";")),
        payloadHash,
        amzDate,
        credential,
        signingKey,
        signature,
        key);
    return new Authenticated(Optional.of(key), payloadHash, Optional.empty());
  }

  private S3AccessKeys.AccessKey key(SigV4.Credential credential) {
    return key(credential.accessKey());
  }

  private S3AccessKeys.AccessKey key(String accessKey) {
    return keys.find(accessKey)
        .orElseThrow(
            () ->
                new S3Exception(
                    S3ErrorCode.INVALID_ACCESS_KEY_ID,
                    S3ErrorCode.INVALID_ACCESS_KEY_ID.message(),
                    Map.of("AWSAccessKeyId", accessKey)));
  }

  /** {@code Authorization: AWS <key>:<signature>} (version 2); the payload is not signed. */
  private Authenticated fromV2Header(
      HttpRequest request,
      String rawPath,
      Map<String, String> headers,
      Map<String, String> query,
      String credentials,
      Instant now) {
    int colon = credentials.lastIndexOf(':');
    if (colon <= 0) {
      throw new S3Exception(
          S3ErrorCode.INVALID_ARGUMENT,
          "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature");
    }
    String date =
        headers.containsKey("x-amz-date") ? headers.get("x-amz-date") : headers.get("date");
    if (date == null) {
      throw new S3Exception(
          S3ErrorCode.ACCESS_DENIED,
          "AWS authentication requires a valid Date or x-amz-date header");
    }
    Instant signedAt;
    try {
      signedAt =
          ZonedDateTime.parse(date.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      throw new S3Exception(
          S3ErrorCode.ACCESS_DENIED,
          "AWS authentication requires a valid Date or x-amz-date header");
    }
    if (Duration.between(signedAt, now).abs().compareTo(MAX_SKEW) > 0) {
      throw new S3Exception(S3ErrorCode.REQUEST_TIME_TOO_SKEWED);
    }
    S3AccessKeys.AccessKey key = key(credentials.substring(0, colon));
    verifyV2(
        request,
        rawPath,
        headers,
        query,
        headers.containsKey("x-amz-date") ? "" : date,
        credentials.substring(colon + 1),
        key);
    return new Authenticated(Optional.of(key), SigV4.UNSIGNED_PAYLOAD, Optional.empty());
  }

  /** A version 2 presigned URL: {@code AWSAccessKeyId}, {@code Expires}, {@code Signature}. */
  private Authenticated fromV2Query(
      HttpRequest request,
      String rawPath,
      Map<String, String> headers,
      Map<String, String> query,
      Instant now) {
    String accessKey = query.get("AWSAccessKeyId");
    String expires = query.get("Expires");
    String signature = query.get("Signature");
    if (accessKey == null || expires == null || signature == null) {
      throw new S3Exception(
          S3ErrorCode.ACCESS_DENIED,
          "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters");
    }
    long expiresAt;
    try {
      expiresAt = Long.parseLong(expires.strip());
    } catch (NumberFormatException e) {
      throw new S3Exception(
          S3ErrorCode.ACCESS_DENIED, "Invalid date (should be seconds since epoch): " + expires);
    }
    // as Swift's s3api: an expiry past 2^31 is no date (checked before the bucket is looked at)
    if (expiresAt >= MAX_V2_EXPIRES) {
      throw new S3Exception(
          S3ErrorCode.ACCESS_DENIED, "Invalid date (should be seconds since epoch): " + expires);
    }
    if (now.getEpochSecond() > expiresAt) {
      throw new S3Exception(
          S3ErrorCode.ACCESS_DENIED,
          "Request has expired",
          Map.of(
              "Expires",
              Instant.ofEpochSecond(expiresAt).toString(),
              "ServerTime",
              now.toString()));
    }
    S3AccessKeys.AccessKey key = key(accessKey);
    verifyV2(request, rawPath, headers, query, expires.strip(), signature, key);
    return new Authenticated(Optional.of(key), SigV4.UNSIGNED_PAYLOAD, Optional.empty());
  }

  private static void verifyV2(
      HttpRequest request,
      String rawPath,
      Map<String, String> headers,
      Map<String, String> query,
      String date,
      String signature,
      S3AccessKeys.AccessKey key) {
    String contentType =
        headers.getOrDefault(
            "content-type",
            request.entity().getContentType().equals(ContentTypes.NO_CONTENT_TYPE)
                ? ""
                : request.entity().getContentType().toString());
    String toSign =
        SigV2.stringToSign(
            request.method().value(),
            headers.getOrDefault("content-md5", ""),
            contentType,
            date,
            headers,
            rawPath,
            query);
    boolean matches = v2Matches(key, toSign, signature);
    if (!matches
        && !headers.containsKey("content-type")
        && contentType.equals(ContentTypes.APPLICATION_OCTET_STREAM.toString())) {
      // Akka gives a body sent without Content-Type that type: the client signed none
      String untyped =
          SigV2.stringToSign(
              request.method().value(),
              headers.getOrDefault("content-md5", ""),
              "",
              date,
              headers,
              rawPath,
              query);
      if (v2Matches(key, untyped, signature)) {
        return;
      }
    }
    if (!matches) {
      throw new S3Exception(
          S3ErrorCode.SIGNATURE_DOES_NOT_MATCH,
          S3ErrorCode.SIGNATURE_DOES_NOT_MATCH.message(),
          Map.of(
              "AWSAccessKeyId",
              key.id(),
              "StringToSign",
              toSign,
              "SignatureProvided",
              signature,
              "StringToSignBytes",
              bytes(toSign)));
    }
  }

  private static boolean v2Matches(S3AccessKeys.AccessKey key, String toSign, String signature) {
    return MessageDigest.isEqual(
        SigV2.signature(key.secret(), toSign).getBytes(StandardCharsets.US_ASCII),
        signature.getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * Compares the signature with ours over the path as sent and, failing that, over the path decoded
   * and encoded as AWS encodes it (clients differ in what they leave unescaped).
   */
  private static void verify(
      HttpRequest request,
      String rawPath,
      String canonicalQuery,
      Map<String, String> headers,
      List<String> signedHeaders,
      String payloadHash,
      String amzDate,
      SigV4.Credential credential,
      byte[] signingKey,
      String signature,
      S3AccessKeys.AccessKey key) {
    Map<String, String> values = signedValues(request, headers, signedHeaders);
    String method = request.method().value();
    String canonical = null;
    String toSign = null;
    for (String uri : List.of(rawPath, SigV4.uriEncode(SigV4.decode(rawPath), true))) {
      canonical =
          SigV4.canonicalRequest(method, uri, canonicalQuery, signedHeaders, values, payloadHash);
      toSign = SigV4.stringToSign(amzDate, credential.scope(), canonical);
      if (SigV4.same(SigV4.signature(signingKey, toSign), signature)) {
        return;
      }
    }
    Map<String, String> details = new LinkedHashMap<>();
    details.put("AWSAccessKeyId", key.id());
    details.put("StringToSign", toSign);
    details.put("SignatureProvided", signature);
    details.put("StringToSignBytes", bytes(toSign));
    details.put("CanonicalRequest", canonical);
    details.put("CanonicalRequestBytes", bytes(canonical));
    throw new S3Exception(
        S3ErrorCode.SIGNATURE_DOES_NOT_MATCH,
        S3ErrorCode.SIGNATURE_DOES_NOT_MATCH.message(),
        details);
  }

  /** The signed headers' values; Akka keeps Content-Type and Content-Length on the entity. */
  private static Map<String, String> signedValues(
      HttpRequest request, Map<String, String> headers, List<String> signedHeaders) {
    Map<String, String> values = new HashMap<>();
    for (String name : signedHeaders) {
      String value = headers.get(name);
      if (value == null && name.equals("content-length")) {
        var length = request.entity().getContentLengthOption();
        value = length.isPresent() ? Long.toString(length.getAsLong()) : null;
      }
      if (value == null
          && name.equals("content-type")
          && !request.entity().getContentType().equals(ContentTypes.NO_CONTENT_TYPE)) {
        value = request.entity().getContentType().toString();
      }
      if (value != null) {
        values.put(name, value);
      }
    }
    return values;
  }

  private static String bytes(String text) {
    StringBuilder sb = new StringBuilder();
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      if (sb.length() > 0) {
        sb.append(' ');
      }
      sb.append(String.format("%02x", b & 0xff));
    }
    return sb.toString();
  }

  private static SigV4.Credential credential(String text, S3ErrorCode malformed) {
    try {
      return SigV4.Credential.parse(text);
    } catch (IllegalArgumentException e) {
      throw new S3Exception(malformed, e.getMessage());
    }
  }

  private static Instant parseDate(String text, S3ErrorCode malformed) {
    try {
      return LocalDateTime.parse(text, AMZ_DATE).toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      throw new S3Exception(
          malformed, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
    }
  }
}
