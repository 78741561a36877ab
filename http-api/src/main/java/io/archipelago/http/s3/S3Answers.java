package io.archipelago.http.s3;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpCharsets;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.model.StatusCodes;
import java.util.Locale;

/** Small shared pieces of S3 answers: XML bodies, dates, ETags. */
final class S3Answers {

  private S3Answers() {}

  static HttpResponse xml(String body) {
    return HttpResponse.create()
        .withStatus(StatusCodes.OK)
        .withEntity(
            HttpEntities.create(
                ContentTypes.create(MediaTypes.APPLICATION_XML, HttpCharsets.UTF_8),
                S3Xml.HEADER + body));
  }

  static HttpResponse empty(int status) {
    return HttpResponse.create().withStatus(status);
  }

  /** A Swift listing date ({@code 2026-12-04T17:35:08.123450}) as S3 writes it. */
  static String isoDate(String swiftDate) {
    String date =
        swiftDate.endsWith("Z") ? swiftDate.substring(0, swiftDate.length() - 1) : swiftDate;
    int dot = date.indexOf('.');
    String whole = dot < 0 ? date : date.substring(0, dot);
    String fraction = dot < 0 ? "" : date.substring(dot + 1);
    fraction = (fraction + "000").substring(0, 3);
    return whole + "." + fraction + "Z";
  }

  /** An ETag in S3's quoted form. */
  static String quoted(String etag) {
    String bare = etag.strip();
    if (bare.length() >= 2 && bare.startsWith("\"") && bare.endsWith("\"")) {
      bare = bare.substring(1, bare.length() - 1);
    }
    return "\"" + bare.toLowerCase(Locale.ROOT) + "\"";
  }

  static StringBuilder owner(StringBuilder sb, S3Request s3) {
    sb.append("<Owner>");
    S3Xml.element(sb, "ID", s3.account());
    S3Xml.element(sb, "DisplayName", s3.account());
    return sb.append("</Owner>");
  }
}
