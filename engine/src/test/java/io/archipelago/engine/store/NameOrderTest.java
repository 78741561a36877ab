package io.archipelago.engine.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** {@link NameOrder} must be exactly the order of the names' UTF-8 bytes, as Swift sorts. */
class NameOrderTest {

  /** Code point ranges to draw from, each with the same weight. */
  private static final int[][] RANGES = {
    {0x20, 0x7E}, // ASCII
    {0x80, 0x7FF}, // two UTF-8 bytes
    {0x800, 0xD7FF}, // three bytes, below the surrogates
    {0xE000, 0xFFFF}, // three bytes, above the surrogates: where UTF-16 order goes wrong
    {0x10000, 0x10FFFF}, // four bytes, surrogate pairs in Java
  };

  static int utf8Order(String a, String b) {
    return Arrays.compareUnsigned(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  static String randomName(Random random, int maxLength) {
    int length = random.nextInt(maxLength + 1);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < length; i++) {
      int[] range = RANGES[random.nextInt(RANGES.length)];
      sb.appendCodePoint(range[0] + random.nextInt(range[1] - range[0] + 1));
    }
    return sb.toString();
  }

  @Test
  void differsFromUtf16OrderWhereUtf8Does() {
    String privateUse = "\uE000";
    String emoji = "\uD83D\uDE00"; // U+1F600
    // UTF-16 puts the high surrogate D83D before E000; UTF-8 puts EE 80 80 before F0 9F 98 80.
    assertTrue(emoji.compareTo(privateUse) < 0);
    assertTrue(NameOrder.compare(privateUse, emoji) < 0);
    assertTrue(NameOrder.compare(emoji, privateUse) > 0);
    assertTrue(NameOrder.compare("\uFFFF", "\uD800\uDC00") < 0); // U+FFFF < U+10000
  }

  @Test
  void aPrefixSortsFirst() {
    assertTrue(NameOrder.compare("ab", "abc") < 0);
    assertTrue(NameOrder.compare("abc", "ab") > 0);
    assertTrue(NameOrder.compare("", "a") < 0);
    assertEquals(0, NameOrder.compare("", ""));
    assertTrue(NameOrder.compare("a\uD83D\uDE00", "a\uD83D\uDE00\uE000") < 0);
  }

  @Test
  void equalsUtf8ByteOrderOnRandomNames() {
    Random random = new Random(20240301L);
    for (int i = 0; i < 50_000; i++) {
      String a = randomName(random, 6);
      String b;
      int kind = random.nextInt(3);
      if (kind == 0) {
        b = randomName(random, 6);
      } else {
        // Share a prefix so that comparison reaches beyond the first character.
        int cut = a.offsetByCodePoints(0, random.nextInt(a.codePointCount(0, a.length()) + 1));
        b = a.substring(0, cut) + (kind == 1 ? randomName(random, 3) : "");
      }
      int expected = Integer.signum(utf8Order(a, b));
      assertEquals(expected, Integer.signum(NameOrder.compare(a, b)), () -> describe(a, b));
      assertEquals(-expected, Integer.signum(NameOrder.compare(b, a)), () -> describe(b, a));
      assertEquals(a.equals(b), NameOrder.compare(a, b) == 0, () -> describe(a, b));
    }
  }

  @Test
  void sortsAListAsItsUtf8Bytes() {
    Random random = new Random(7L);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      names.add(randomName(random, 4));
    }
    List<String> byBytes = new ArrayList<>(names);
    byBytes.sort(NameOrderTest::utf8Order);
    List<String> byNameOrder = new ArrayList<>(names);
    byNameOrder.sort(NameOrder.UTF8);
    assertEquals(byBytes, byNameOrder);
    // Consistent with equals: a sorted set keeps exactly the distinct names.
    TreeSet<String> sorted = new TreeSet<>(NameOrder.UTF8);
    sorted.addAll(names);
    assertEquals(new HashSet<>(names).size(), sorted.size());
  }

  private static String describe(String a, String b) {
    return codePoints(a) + " vs " + codePoints(b);
  }

  static String codePoints(String s) {
    StringBuilder sb = new StringBuilder("[");
    s.codePoints().forEach(cp -> sb.append(String.format("U+%04X ", cp)));
    return sb.append(']').toString();
  }
}
