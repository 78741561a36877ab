package io.archipelago.engine.store;

/** ETag text as the stores keep it. */
public final class Etags {

  private Etags() {}

  /** The ETag without surrounding quotes (and blanks); empty for null. */
  public static String bare(String etag) {
    if (etag == null) {
      return "";
    }
    String e = etag.trim();
    return e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"") ? e.substring(1, e.length() - 1) : e;
  }
}
