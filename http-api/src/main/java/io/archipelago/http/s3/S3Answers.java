package io.archipelago.http.s3;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.util.ByteString;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/** Small shared pieces of S3 answers: XML bodies, dates, ETags. */
final class S3Answers {

  private S3Answers() {}

  static HttpResponse xml(String body) {
    return HttpResponse.create()
        .withStatus(StatusCodes.OK)
        .withEntity(S3Xml.entity(S3Xml.HEADER + body));
  }

  static HttpResponse empty(int status) {
    return HttpResponse.create().withStatus(status);
  }

  /**
   * An empty answer with the Content-Type Swift's s3api gives those it passes on from Swift (swob's
   * default, {@code text/html; charset=UTF-8}): UploadPart's 200, an abort's 204.
   */
  static HttpResponse emptyAsSwob(int status) {
    return empty(status)
        .withEntity(HttpEntities.create(ContentTypes.TEXT_HTML_UTF8, ByteString.emptyByteString()));
  }

  /**
   * A Swift listing date ({@code 2026-12-04T17:35:08.123450}) as S3 writes it: whole seconds,
   * rounded up as Last-Modified is (Swift's s3api's {@code S3Timestamp.s3xmlformat}).
   */
  static String isoDate(String swiftDate) {
    String date =
        swiftDate.endsWith("Z") ? swiftDate.substring(0, swiftDate.length() - 1) : swiftDate;
    try {
      LocalDateTime parsed = LocalDateTime.parse(date);
      LocalDateTime seconds = parsed.truncatedTo(ChronoUnit.SECONDS);
      if (!seconds.equals(parsed)) {
        seconds = seconds.plusSeconds(1);
      }
      return S3_DATE.format(seconds);
    } catch (DateTimeParseException e) {
      return date;
    }
  }

  private static final DateTimeFormatter S3_DATE =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'.000Z'", Locale.ROOT);

  /** An ETag in S3's quoted form. */
  static String quoted(String etag) {
    String bare = etag.strip();
    if (bare.length() >= 2 && bare.startsWith("\"") && bare.endsWith("\"")) {
      bare = bare.substring(1, bare.length() - 1);
    }
    return "\"" + bare.toLowerCase(Locale.ROOT) + "\"";
  }

  /**
   * GetBucketAcl / GetObjectAcl without S3 ACLs (as Swift's s3api with {@code s3_acl} off): the
   * signer, owner of what it can reach, has FULL_CONTROL.
   */
  static HttpResponse ownerOnlyAcl(S3Request s3) {
    StringBuilder sb =
        new StringBuilder("<AccessControlPolicy xmlns=\"").append(S3Xml.NAMESPACE).append("\">");
    owner(sb, s3);
    sb.append("<AccessControlList><Grant>")
        .append("<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"")
        .append(" xsi:type=\"CanonicalUser\">");
    S3Xml.element(sb, "ID", ownerId(s3));
    S3Xml.element(sb, "DisplayName", ownerId(s3));
    sb.append("</Grantee>");
    S3Xml.element(sb, "Permission", "FULL_CONTROL");
    sb.append("</Grant></AccessControlList></AccessControlPolicy>");
    return xml(sb.toString());
  }

  /** Who an owner is in S3 answers: the signer's access key id, as Swift's s3api shows it. */
  static String ownerId(S3Request s3) {
    return s3.auth().key().map(k -> k.id()).orElse(s3.account());
  }

  static StringBuilder owner(StringBuilder sb, S3Request s3) {
    sb.append("<Owner>");
    S3Xml.element(sb, "ID", ownerId(s3));
    S3Xml.element(sb, "DisplayName", ownerId(s3));
    return sb.append("</Owner>");
  }
}
