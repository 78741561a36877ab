package io.archipelago.http.middleware.staticweb;

import io.archipelago.engine.store.ListingEntry;
import io.archipelago.http.protocol.PyText;
import io.archipelago.http.protocol.SwiftHeaders;
import java.util.Locale;
import java.util.Optional;

/**
 * The HTML of Swift's staticweb, byte for byte: the listing page (opening, one row per subdir or
 * object, closing) and the page that says listings are off. Every name, label and type shown is
 * HTML-escaped (they are user input); links are percent-encoded.
 */
final class ListingHtml {

  private static final String DOCTYPE =
      "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\""
          + " \"http://www.w3.org/TR/html4/loose.dtd\">\n";

  static final String CLOSING = "  </table>\n </body>\n</html>\n";

  private ListingHtml() {}

  /**
   * The page up to the first row.
   *
   * @param css the style sheet's link, or empty for the built-in style
   * @param parent whether a "../" row leads up (listings of pseudo-directories)
   */
  static String opening(String label, Optional<String> css, boolean parent) {
    StringBuilder sb =
        new StringBuilder(DOCTYPE)
            .append("<html>\n <head>\n  <title>Listing of ")
            .append(escape(label))
            .append("</title>\n");
    if (css.isPresent()) {
      sb.append(stylesheet(css.get()));
    } else {
      sb.append("  <style type=\"text/css\">\n")
          .append("   h1 {font-size: 1em; font-weight: bold;}\n")
          .append("   th {text-align: left; padding: 0px 1em 0px 1em;}\n")
          .append("   td {padding: 0px 1em 0px 1em;}\n")
          .append("   a {text-decoration: none;}\n")
          .append("  </style>\n");
    }
    sb.append(" </head>\n <body>\n  <h1 id=\"title\">Listing of ")
        .append(escape(label))
        .append("</h1>\n  <table id=\"listing\">\n   <tr id=\"heading\">\n")
        .append("    <th class=\"colname\">Name</th>\n")
        .append("    <th class=\"colsize\">Size</th>\n")
        .append("    <th class=\"coldate\">Date</th>\n")
        .append("   </tr>\n");
    if (parent) {
      sb.append("   <tr id=\"parent\" class=\"item\">\n")
          .append("    <td class=\"colname\"><a href=\"../\">../</a></td>\n")
          .append("    <td class=\"colsize\">&nbsp;</td>\n")
          .append("    <td class=\"coldate\">&nbsp;</td>\n")
          .append("   </tr>\n");
    }
    return sb.toString();
  }

  /** A subdir's row; {@code shown} is its name below the listed prefix. */
  static String subdirRow(String shown) {
    return "   <tr class=\"item subdir\">\n"
        + "    <td class=\"colname\"><a href=\""
        + PyText.quote(shown)
        + "\">"
        + escape(shown)
        + "</a></td>\n"
        + "    <td class=\"colsize\">&nbsp;</td>\n"
        + "    <td class=\"coldate\">&nbsp;</td>\n"
        + "   </tr>\n";
  }

  /**
   * An object's row, with what the JSON listing gives: the content type without Swift's own
   * parameters, the size (an SLO manifest's total) and the last modification to the second.
   */
  static String objectRow(ListingEntry.ObjectRow row, String shown) {
    String contentType = SwiftHeaders.cleanContentType(row.contentType());
    StringBuilder types = new StringBuilder();
    for (String part : contentType.split("/", -1)) {
      if (types.length() > 0) {
        types.append(' ');
      }
      types.append("type-").append(escape(part.toLowerCase(Locale.ROOT)));
    }
    long bytes = SwiftHeaders.swiftBytes(row.contentType()).orElse(row.size());
    String modified = escape(row.timestamp().toListingDate()).split("\\.", -1)[0].replace('T', ' ');
    return "   <tr class=\"item "
        + types
        + "\">\n"
        + "    <td class=\"colname\"><a href=\""
        + PyText.quote(shown)
        + "\">"
        + escape(shown)
        + "</a></td>\n"
        + "    <td class=\"colsize\">"
        + humanReadable(bytes)
        + "</td>\n"
        + "    <td class=\"coldate\">"
        + modified
        + "</td>\n"
        + "   </tr>\n";
  }

  /**
   * The 404 page of a listing while listings are off; it names the index file when one is set (the
   * name escaped, unlike Swift, which shows the metadata as it is).
   */
  static String disabled(String label, Optional<String> css, String index) {
    StringBuilder sb =
        new StringBuilder(DOCTYPE)
            .append("<html>\n<head>\n<title>Listing of ")
            .append(escape(label))
            .append("</title>\n");
    if (css.isPresent()) {
      sb.append(stylesheet(css.get()));
    } else {
      sb.append("  <style type=\"text/css\">\n")
          .append("   h1 {font-size: 1em; font-weight: bold;}\n")
          .append("   p {font-size: 2}\n")
          .append("  </style>\n");
    }
    sb.append("</head>\n<body>")
        .append("  <h1>Web Listing Disabled</h1>")
        .append("   <p>The owner of this web site has disabled web listing.")
        .append("   <p>If you are the owner of this web site, you can enable")
        .append("   web listing by setting X-Container-Meta-Web-Listings.</p>");
    if (!index.isEmpty()) {
      sb.append("<h1>Index File Not Found</h1>")
          .append(" <p>The owner of this web site has set ")
          .append(" <b>X-Container-Meta-Web-Index: ")
          .append(escape(index))
          .append("</b>. ")
          .append(" However, this file is not found.</p>");
    }
    return sb.append(" </body>\n</html>\n").toString();
  }

  /**
   * The style sheet's address as a listing links it: absolute paths and URLs as they are (only
   * percent-encoded), a name in the container relative to the listed pseudo-directory.
   */
  static String cssPath(String css, String prefix) {
    if (css.startsWith("/") || css.startsWith("http://") || css.startsWith("https://")) {
      return PyText.quote(css, ":/");
    }
    long depth = prefix.chars().filter(c -> c == '/').count();
    return "../".repeat((int) depth) + PyText.quote(css);
  }

  private static String stylesheet(String href) {
    return "  <link rel=\"stylesheet\" type=\"text/css\" href=\"" + escape(href) + "\" />\n";
  }

  /** Python's {@code html.escape(s, quote=True)}. */
  static String escape(String text) {
    StringBuilder sb = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> sb.append("&amp;");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#x27;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }

  /**
   * Swift's {@code human_readable}: bytes, or a binary multiple rounded at each step (half to even,
   * as Python's {@code round}): 1024 is "1Ki", 1048576 "1Mi".
   */
  static String humanReadable(long value) {
    double v = value;
    int index = -1;
    String suffixes = "KMGTPEZY";
    while (v >= 1024 && index + 1 < suffixes.length()) {
      index++;
      v = Math.rint(v / 1024);
    }
    if (index == -1) {
      return Long.toString(value);
    }
    return (long) Math.rint(v) + String.valueOf(suffixes.charAt(index)) + "i";
  }
}
