package io.archipelago.http.s3;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpEntity;
import akka.http.javadsl.model.MediaTypes;
import java.nio.charset.StandardCharsets;

/** Building S3's XML answers: escaping and the document header. */
final class S3Xml {

  /** {@code application/xml} with no charset parameter, as S3 and Swift's s3api send it. */
  static final ContentType CONTENT_TYPE =
      MediaTypes.APPLICATION_XML.toContentTypeWithMissingCharset();

  /** An XML body (UTF-8) with {@link #CONTENT_TYPE}. */
  static HttpEntity.Strict entity(String xml) {
    return HttpEntities.create(CONTENT_TYPE, xml.getBytes(StandardCharsets.UTF_8));
  }

  static final String HEADER = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  static final String NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";

  private S3Xml() {}

  static String escape(String text) {
    StringBuilder sb = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '&' -> sb.append("&amp;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&apos;");
        case '\r' -> sb.append("&#13;");
        default -> {
          if (c < 0x20 && c != '\n' && c != '\t') {
            sb.append("&#").append((int) c).append(';');
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.toString();
  }

  static StringBuilder element(StringBuilder sb, String name, String value) {
    return sb.append('<')
        .append(name)
        .append('>')
        .append(escape(value))
        .append("</")
        .append(name)
        .append('>');
  }
}
