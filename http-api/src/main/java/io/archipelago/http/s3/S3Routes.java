package io.archipelago.http.s3;

import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.headers.RawHeader;
import io.archipelago.http.protocol.HeadLength;
import io.archipelago.http.protocol.RequestPath;
import io.archipelago.http.protocol.SwiftRequest;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The S3 API's request handler, path style ({@code /<bucket>/<key>}). In order: a request id, the
 * signature (SigV4 header or presigned query; anonymous requests are refused), then dispatch on
 * path depth and subresource to the bucket or object handler. Subresources that are not offered
 * answer 501 NotImplemented; every failure is S3's XML error with the id.
 */
public final class S3Routes {

  private static final Logger accessLog = LoggerFactory.getLogger("archipelago.s3.access");

  /** Query parameters that select an operation's options, not a subresource. */
  private static final Set<String> PARAMETERS =
      Set.of(
          "prefix",
          "delimiter",
          "marker",
          "max-keys",
          "encoding-type",
          "list-type",
          "continuation-token",
          "start-after",
          "fetch-owner",
          "response-cache-control",
          "response-content-disposition",
          "response-content-encoding",
          "response-content-language",
          "response-content-type",
          "response-expires",
          "x-id",
          "versionId",
          "X-Amz-Algorithm",
          "X-Amz-Credential",
          "X-Amz-Date",
          "X-Amz-Expires",
          "X-Amz-SignedHeaders",
          "X-Amz-Signature",
          "X-Amz-Security-Token",
          "X-Amz-Content-Sha256",
          "AWSAccessKeyId",
          "Expires",
          "Signature");

  private final S3Authenticator authenticator;
  private final BucketHandler buckets;
  private final BucketVersioning versioning;
  private final ObjectHandler objects;
  private final MultipartHandler multipart;
  private final HeadLength headLength;
  private final Clock clock;

  S3Routes(
      S3Authenticator authenticator,
      SwiftBridge swift,
      HeadLength headLength,
      Clock clock,
      long minPartSize) {
    this.authenticator = authenticator;
    this.buckets = new BucketHandler(swift);
    this.versioning = new BucketVersioning(swift);
    this.objects = new ObjectHandler(swift, headLength);
    this.multipart = new MultipartHandler(swift, minPartSize, headLength);
    this.headLength = headLength;
    this.clock = clock;
  }

  public CompletionStage<HttpResponse> handle(HttpRequest request) {
    long started = System.nanoTime();
    String requestId =
        HexFormat.of().withUpperCase().formatHex(longBytes(ThreadLocalRandom.current().nextLong()));
    String rawUri =
        request
            .getHeader("Raw-Request-URI")
            .map(h -> h.value())
            .orElse(request.getUri().toString());
    int q = rawUri.indexOf('?');
    String rawPath = q < 0 ? rawUri : rawUri.substring(0, q);
    String rawQuery = q < 0 ? "" : rawUri.substring(q + 1);
    CompletionStage<HttpResponse> response;
    try {
      response = dispatch(request, rawPath, rawQuery, requestId);
    } catch (RuntimeException e) {
      response = CompletableFuture.failedFuture(e);
    }
    boolean head = request.method().equals(HttpMethods.HEAD);
    return response
        .exceptionally(
            failure -> {
              HttpResponse error = S3Errors.toResponse(failure, SigV4.decode(rawPath), requestId);
              return head ? headLength.announce(error.withEntity(S3Xml.entity("")), 0) : error;
            })
        .thenApply(
            r -> {
              accessLog.info(
                  "{} {} {} {}ms {}",
                  request.method().value(),
                  rawPath,
                  r.status().intValue(),
                  (System.nanoTime() - started) / 1_000_000,
                  requestId);
              return r.addHeader(RawHeader.create("x-amz-request-id", requestId))
                  .addHeader(RawHeader.create("x-amz-id-2", requestId));
            });
  }

  private CompletionStage<HttpResponse> dispatch(
      HttpRequest request, String rawPath, String rawQuery, String requestId) {
    Map<String, String> query = RequestPath.parseQuery(rawQuery);
    Map<String, String> headers = SwiftRequest.headersOf(request);
    S3Authenticator.Authenticated auth =
        authenticator.authenticate(request, rawPath, rawQuery, headers, query, clock.instant());
    if (auth.key().isEmpty()) {
      throw new S3Exception(
          S3ErrorCode.ACCESS_DENIED, "Anonymous requests are not offered; sign the request");
    }
    if (!rawPath.startsWith("/")) {
      throw new S3Exception(S3ErrorCode.INVALID_REQUEST, "Invalid path");
    }
    String path = SigV4.decode(rawPath.substring(1));
    int slash = path.indexOf('/');
    Optional<String> bucket =
        Optional.of(slash < 0 ? path : path.substring(0, slash)).filter(b -> !b.isEmpty());
    Optional<String> key =
        Optional.of(slash < 0 ? "" : path.substring(slash + 1)).filter(k -> !k.isEmpty());
    if (key.isPresent() && key.get().length() > 1024) {
      throw new S3Exception(S3ErrorCode.KEY_TOO_LONG);
    }
    S3Request s3 =
        new S3Request(
            request,
            rawPath,
            bucket,
            key,
            query,
            headers,
            auth,
            auth.key().get().principal(),
            requestId);
    String method = request.method().value();
    if (bucket.isEmpty()) {
      return method.equals("GET") ? buckets.listBuckets(s3) : notAllowed();
    }
    BucketHandler.checkName(bucket.get());
    if (key.isEmpty()) {
      return bucket(s3, method);
    }
    return object(s3, method);
  }

  private CompletionStage<HttpResponse> bucket(S3Request s3, String method) {
    if (s3.query().containsKey("location")) {
      return method.equals("GET") ? buckets.location(s3) : notImplemented("location");
    }
    if (s3.query().containsKey("acl") && method.equals("GET")) {
      rejectSubresources(s3, Set.of("acl"));
      return buckets.head(s3).thenApply(found -> S3Answers.ownerOnlyAcl(s3));
    }
    if (s3.query().containsKey("delete")) {
      return method.equals("POST") ? objects.deleteObjects(s3) : notAllowed();
    }
    if (s3.query().containsKey("uploads")) {
      rejectSubresources(s3, Set.of("uploads", "max-uploads", "key-marker", "upload-id-marker"));
      return method.equals("GET") ? multipart.listUploads(s3) : notAllowed();
    }
    if (s3.query().containsKey("versions") && method.equals("GET")) {
      rejectSubresources(s3, Set.of("versions", "key-marker", "version-id-marker"));
      return versioning.list(s3);
    }
    if (s3.query().containsKey("versioning")) {
      rejectSubresources(s3, Set.of("versioning"));
      return switch (method) {
        case "GET" -> versioning.get(s3);
        case "PUT" -> versioning.put(s3);
        default -> notAllowed();
      };
    }
    rejectSubresources(s3);
    return switch (method) {
      case "GET" -> buckets.listObjects(s3);
      case "PUT" -> buckets.create(s3);
      case "HEAD" -> buckets.head(s3);
      case "DELETE" -> buckets.delete(s3);
      default -> notAllowed();
    };
  }

  private CompletionStage<HttpResponse> object(S3Request s3, String method) {
    if (s3.query().containsKey("uploads")) {
      rejectSubresources(s3, Set.of("uploads"));
      return method.equals("POST") ? multipart.create(s3) : notAllowed();
    }
    if (s3.query().containsKey("acl") && method.equals("GET")) {
      rejectSubresources(s3, Set.of("acl"));
      return objects.exists(s3).thenApply(found -> S3Answers.ownerOnlyAcl(s3));
    }
    if (s3.query().containsKey("uploadId")) {
      rejectSubresources(s3, Set.of("uploadId", "partNumber", "max-parts", "part-number-marker"));
      return switch (method) {
        case "PUT" -> multipart.uploadPart(s3);
        case "POST" -> multipart.complete(s3);
        case "DELETE" -> multipart.abort(s3);
        case "GET" -> multipart.listParts(s3);
        default -> notAllowed();
      };
    }
    rejectSubresources(s3);
    return switch (method) {
      case "GET", "HEAD" -> objects.read(s3);
      case "PUT" -> objects.put(s3);
      case "DELETE" -> objects.delete(s3);
      default -> notAllowed();
    };
  }

  private static void rejectSubresources(S3Request s3) {
    rejectSubresources(s3, Set.of());
  }

  private static void rejectSubresources(S3Request s3, Set<String> handled) {
    for (String name : s3.query().keySet()) {
      if (!PARAMETERS.contains(name) && !handled.contains(name)) {
        String what = "The subresource or parameter '" + name + "' is";
        throw new S3Exception(
            S3ErrorCode.NOT_IMPLEMENTED, what + " not offered by this gateway's S3 API yet");
      }
    }
  }

  private static CompletionStage<HttpResponse> notAllowed() {
    throw new S3Exception(S3ErrorCode.METHOD_NOT_ALLOWED);
  }

  private static CompletionStage<HttpResponse> notImplemented(String what) {
    throw new S3Exception(
        S3ErrorCode.NOT_IMPLEMENTED, "'" + what + "' is not offered by this gateway's S3 API");
  }

  private static byte[] longBytes(long v) {
    byte[] b = new byte[8];
    for (int i = 7; i >= 0; i--) {
      b[i] = (byte) v;
      v >>>= 8;
    }
    return b;
  }
}
