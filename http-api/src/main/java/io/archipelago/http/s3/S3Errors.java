package io.archipelago.http.s3;

import akka.http.javadsl.model.HttpResponse;
import akka.pattern.AskTimeoutException;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place where failures of S3 requests become S3's XML error answers. */
public final class S3Errors {

  private static final Logger log = LoggerFactory.getLogger(S3Errors.class);

  private S3Errors() {}

  /** The XML error body S3 sends, with the request id. */
  public static HttpResponse response(S3Exception e, String resource, String requestId) {
    StringBuilder sb = new StringBuilder(S3Xml.HEADER).append("<Error>");
    S3Xml.element(sb, "Code", e.code().code());
    S3Xml.element(sb, "Message", e.getMessage());
    for (Map.Entry<String, String> detail : e.details().entrySet()) {
      S3Xml.element(sb, detail.getKey(), detail.getValue());
    }
    // an error that names what it is about (Key, BucketName, UploadId...) does not repeat the
    // request's resource, as S3 answers (the resource would echo a client's path back)
    if (e.details().isEmpty()) {
      S3Xml.element(sb, "Resource", resource);
    }
    S3Xml.element(sb, "RequestId", requestId);
    sb.append("</Error>");
    return HttpResponse.create()
        .withStatus(e.code().status())
        .withEntity(S3Xml.entity(sb.toString()))
        .addHeaders(e.headers());
  }

  /** Any failure as an S3 answer: ours as they are, timeouts 503, the rest 500 (logged). */
  public static HttpResponse toResponse(Throwable failure, String resource, String requestId) {
    Throwable t = unwrap(failure);
    if (t instanceof S3Exception s) {
      return response(s, resource, requestId);
    }
    if (t instanceof TimeoutException || t instanceof AskTimeoutException) {
      return response(new S3Exception(S3ErrorCode.SERVICE_UNAVAILABLE), resource, requestId);
    }
    log.warn("[{}] S3 request failed: {}", requestId, t.toString(), t);
    return response(new S3Exception(S3ErrorCode.INTERNAL_ERROR), resource, requestId);
  }

  static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
