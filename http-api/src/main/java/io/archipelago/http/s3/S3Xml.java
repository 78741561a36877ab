package io.archipelago.http.s3;

/** Building S3's XML answers: escaping and the document header. */
final class S3Xml {

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
