package io.archipelago.http.swift;

import java.net.URLConnection;
import java.util.Locale;
import java.util.Map;

/** Swift guesses a content type from the object name when the client sends none. */
final class ContentTypeGuess {

  private static final Map<String, String> EXTRA =
      Map.ofEntries(
          Map.entry("json", "application/json"),
          Map.entry("js", "application/javascript"),
          Map.entry("css", "text/css"),
          Map.entry("svg", "image/svg+xml"),
          Map.entry("pdf", "application/pdf"),
          Map.entry("gz", "application/gzip"),
          Map.entry("tgz", "application/gzip"),
          Map.entry("tar", "application/x-tar"),
          Map.entry("md", "text/markdown"),
          Map.entry("py", "text/x-python"),
          Map.entry("sh", "application/x-sh"),
          Map.entry("csv", "text/csv"),
          Map.entry("mp4", "video/mp4"),
          Map.entry("webp", "image/webp"));

  private ContentTypeGuess() {}

  static String forName(String name) {
    int slash = name.lastIndexOf('/');
    String base = name.substring(slash + 1);
    int dot = base.lastIndexOf('.');
    if (dot >= 0) {
      String extension = base.substring(dot + 1).toLowerCase(Locale.ROOT);
      String extra = EXTRA.get(extension);
      if (extra != null) {
        return extra;
      }
      String guessed = URLConnection.guessContentTypeFromName(base.toLowerCase(Locale.ROOT));
      if (guessed != null) {
        return guessed;
      }
    }
    return "application/octet-stream";
  }
}
