package io.archipelago.engine.store;

import java.util.Comparator;

/**
 * Swift orders names by their UTF-8 bytes. Java's {@code String.compareTo} orders UTF-16 units,
 * which differs for characters above U+FFFF versus U+E000..U+FFFF; this comparator does not.
 */
public final class NameOrder {

  public static final Comparator<String> UTF8 = NameOrder::compare;

  private NameOrder() {}

  public static int compare(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        // Code point order is UTF-8 byte order.
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }
}
