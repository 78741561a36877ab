package io.archipelago.http.middleware.staticweb;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.SwiftTimestamp;
import org.junit.jupiter.api.Test;

/** The HTML pieces of staticweb listings, as Swift writes them. */
class ListingHtmlTest {

  @Test
  void escapesAsPythonsHtmlEscape() {
    assertEquals(
        "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#x27;",
        ListingHtml.escape("<img src=x onerror=\"alert(1)\"> & '"));
  }

  @Test
  void sizesAsSwiftsHumanReadable() {
    assertEquals("0", ListingHtml.humanReadable(0));
    assertEquals("1023", ListingHtml.humanReadable(1023));
    assertEquals("1Ki", ListingHtml.humanReadable(1024));
    assertEquals("2Ki", ListingHtml.humanReadable(1536)); // round(1.5) == 2
    assertEquals("2Ki", ListingHtml.humanReadable(2560)); // round(2.5) == 2, half to even
    assertEquals("1Mi", ListingHtml.humanReadable(1_048_576));
    assertEquals("5Gi", ListingHtml.humanReadable(5_368_709_122L));
  }

  @Test
  void styleSheetPathsAreRelativeToTheListedDirectory() {
    assertEquals("listing.css", ListingHtml.cssPath("listing.css", ""));
    assertEquals("../../my%20style.css", ListingHtml.cssPath("my style.css", "a/b/"));
    assertEquals("/static/s.css", ListingHtml.cssPath("/static/s.css", "a/"));
    assertEquals(
        "https://cdn.example/s%22.css", ListingHtml.cssPath("https://cdn.example/s\".css", ""));
  }

  @Test
  void objectRowShowsTypeSizeAndSecondOfModification() {
    ListingEntry.ObjectRow row =
        new ListingEntry.ObjectRow(
            "dir/<b>.html",
            2048,
            "etag",
            "Text/HTML;swift_bytes=4096",
            SwiftTimestamp.parse("1700000000.12345"));
    assertEquals(
        "   <tr class=\"item type-text type-html\">\n"
            + "    <td class=\"colname\"><a href=\"%3Cb%3E.html\">&lt;b&gt;.html</a></td>\n"
            + "    <td class=\"colsize\">4Ki</td>\n"
            + "    <td class=\"coldate\">2023-11-14 22:13:20</td>\n"
            + "   </tr>\n",
        ListingHtml.objectRow(row, "<b>.html"));
  }
}
