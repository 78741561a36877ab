package io.archipelago.http.middleware.staticweb;

import static io.archipelago.http.testkit.PlainHttp.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.http.protocol.PyText;
import io.archipelago.http.testkit.GatewayExtension;
import io.archipelago.http.testkit.PlainHttp;
import io.archipelago.http.testkit.SwiftClient;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Swift's staticweb through the gateway: index files, redirects to '/', HTML listings (escaped
 * names, CSS), error pages, directory markers, X-Web-Mode, and the read ACL deciding as for any
 * anonymous read.
 */
class StaticWebTest {

  private static final String EVIL = "<img src=x onerror=alert(1)>";

  /** Listings read two rows at a time: every listing here spans pages. */
  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.embedded(Map.of("archipelago.http.staticweb.listing-page-size", 2));

  static SwiftClient tester;
  static String account;

  @BeforeAll
  static void site() {
    tester = gateway.login("test:tester", "testing");
    account = tester.storageUrl();
    // A public site with an index, an error page and a style sheet.
    put("/site", Map.of("X-Container-Read", ".r:*,.rlistings"));
    put("/site/index.html", "<p>home</p>", "text/html");
    put("/site/404error.html", "<p>no such page</p>", "text/html");
    put("/site/style.css", "body {}", "text/css");
    put("/site/docs/guide.html", "<p>guide</p>", "text/html");
    // A public site with listings only.
    put("/list", Map.of("X-Container-Read", ".r:*,.rlistings"));
    put("/list/" + PyText.quote(EVIL), "gotcha", "text/plain");
    put("/list/a.txt", "a", "text/plain");
    put("/list/dir", "", "text/directory");
    put("/list/dir/b.txt", "bb", "text/plain");
    put("/list/marker", "", "application/directory");
    put("/list/marker/c.txt", "c", "text/plain");
    // Web metadata on a private container.
    put(
        "/private",
        Map.of(
            "X-Container-Meta-Web-Index", "index.html", "X-Container-Meta-Web-Listings", "true"));
    put("/private/index.html", "secret", "text/html");
    // Pages public, listings not.
    put(
        "/half",
        Map.of(
            "X-Container-Read",
            ".r:*",
            "X-Container-Meta-Web-Listings",
            "true",
            "X-Container-Meta-Web-Error",
            "error.html"));
    put("/half/401error.html", "<p>please log in</p>", "text/html");
    put("/half/page.html", "page", "text/html");
    // Public, no web metadata.
    put("/plain", Map.of("X-Container-Read", ".r:*,.rlistings"));
    put("/plain/o", "o", "text/plain");
  }

  private static void put(String path, Map<String, String> headers) {
    int status = tester.call("PUT", path, headers, null).statusCode();
    assertTrue(status == 201 || status == 202, path + ": " + status);
  }

  private static void put(String path, String body, String contentType) {
    assertEquals(
        201, tester.call("PUT", path, Map.of("Content-Type", contentType), body).statusCode());
  }

  private static void post(String path, Map<String, String> headers) {
    assertEquals(204, tester.call("POST", path, headers, null).statusCode());
  }

  private static HttpResponse<String> anonymous(String path) {
    return PlainHttp.send("GET", account + path);
  }

  private static List<String> links(String page) {
    List<String> links = new ArrayList<>();
    Matcher m = Pattern.compile("<td class=\"colname\"><a href=\"([^\"]*)\">").matcher(page);
    while (m.find()) {
      links.add(m.group(1));
    }
    return links;
  }

  @Test
  void infoAdvertisesStaticWeb() {
    HttpResponse<String> info = PlainHttp.send("GET", gateway.baseUrl() + "/info");
    assertEquals(200, info.statusCode());
    assertTrue(info.body().contains("\"staticweb\":{}"), info.body());
  }

  @Test
  void indexIsServedForTheContainerAndItsPseudoDirectories() {
    post("/site", Map.of("X-Container-Meta-Web-Index", "index.html"));
    HttpResponse<String> root = anonymous("/site/");
    assertEquals(200, root.statusCode());
    assertEquals("<p>home</p>", root.body());
    assertEquals("text/html", header(root, "Content-Type"));

    // Without the trailing slash: 301 to the path with it, absolute as swob makes it.
    HttpResponse<String> bare = anonymous("/site");
    assertEquals(301, bare.statusCode());
    assertEquals(account + "/site/", header(bare, "Location"));

    // docs/ has no index and listings are off: Swift's "listing disabled" page, 404.
    HttpResponse<String> docs = anonymous("/site/docs/");
    assertEquals(404, docs.statusCode());
    assertTrue(docs.body().contains("Web Listing Disabled"), docs.body());
    assertTrue(docs.body().contains("X-Container-Meta-Web-Index: index.html"), docs.body());

    // The objects themselves are served as they are.
    assertEquals("<p>guide</p>", anonymous("/site/docs/guide.html").body());
  }

  @Test
  void errorPageAnswersMisses() {
    post(
        "/site",
        Map.of(
            "X-Container-Meta-Web-Index",
            "index.html",
            "X-Container-Meta-Web-Error",
            "error.html"));
    HttpResponse<String> missing = anonymous("/site/nothing-here.html");
    assertEquals(404, missing.statusCode());
    assertEquals("<p>no such page</p>", missing.body());
    assertEquals("text/html", header(missing, "Content-Type"));

    // A pseudo-directory with something under it is redirected, not missing.
    HttpResponse<String> docs = anonymous("/site/docs");
    assertEquals(301, docs.statusCode());
    assertEquals(account + "/site/docs/", header(docs, "Location"));
  }

  @Test
  void listingEscapesNamesAndLinksTheStyleSheet() {
    post(
        "/list",
        Map.of(
            "X-Container-Meta-Web-Listings", "true",
            "X-Container-Meta-Web-Listings-Css", "listing.css",
            "X-Container-Meta-Web-Directory-Type", "text/directory"));
    HttpResponse<String> root = anonymous("/list/");
    assertEquals(200, root.statusCode());
    assertEquals("text/html; charset=UTF-8", header(root, "Content-Type"));
    String page = root.body();
    String label = tester.accountPath() + "/list/";
    assertTrue(page.contains("<title>Listing of " + label + "</title>"), page);
    assertTrue(
        page.contains("<link rel=\"stylesheet\" type=\"text/css\" href=\"listing.css\" />"), page);
    assertFalse(page.contains(EVIL), "a name must never reach the page unescaped");
    assertTrue(
        page.contains(
            "<a href=\"%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E\">"
                + "&lt;img src=x onerror=alert(1)&gt;</a>"),
        page);
    assertTrue(page.contains("<a href=\"a.txt\">a.txt</a>"), page);
    assertTrue(page.contains("<tr class=\"item type-text type-plain\">"), page);
    // Subdirs first, then objects, each in name order, read over several pages.
    assertEquals(
        List.of(
            "dir/",
            "marker/",
            "%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E",
            "a.txt",
            "dir",
            "marker"),
        links(page));
    assertFalse(page.contains("b.txt"), page);

    // A pseudo-directory's listing links up and reaches the style sheet from below.
    HttpResponse<String> dir = anonymous("/list/dir/");
    assertEquals(200, dir.statusCode());
    assertEquals(List.of("../", "b.txt"), links(dir.body()));
    assertTrue(dir.body().contains("href=\"../listing.css\""), dir.body());
    assertTrue(dir.body().contains("<a href=\"b.txt\">b.txt</a>"), dir.body());
    assertTrue(dir.body().contains("Listing of " + label + "dir/"), dir.body());

    // Nothing under a path: 404.
    assertEquals(404, anonymous("/list/none/").statusCode());
  }

  @Test
  void directoryMarkersOfTheContainersTypeAreDirectories() {
    post(
        "/list",
        Map.of(
            "X-Container-Meta-Web-Listings", "true",
            "X-Container-Meta-Web-Directory-Type", "text/directory"));
    // "dir" is a 0-byte text/directory object: a directory, so redirected to "dir/".
    HttpResponse<String> dir = anonymous("/list/dir");
    assertEquals(301, dir.statusCode());
    assertEquals(account + "/list/dir/", header(dir, "Location"));
    // "marker" is application/directory, which this container does not take for a directory.
    HttpResponse<String> marker = anonymous("/list/marker");
    assertEquals(200, marker.statusCode());
    assertEquals("application/directory", header(marker, "Content-Type"));

    // Without a type of its own the container takes application/directory.
    post("/list", Map.of("X-Remove-Container-Meta-Web-Directory-Type", "x"));
    assertEquals(301, anonymous("/list/marker").statusCode());
    assertEquals(200, anonymous("/list/dir").statusCode());
  }

  @Test
  void privateContainersStayPrivate() {
    HttpResponse<String> root = anonymous("/private/");
    assertEquals(401, root.statusCode());
    assertFalse(root.body().contains("secret"));
    assertEquals(401, anonymous("/private/index.html").statusCode());
    assertEquals(401, anonymous("/private/nothing/").statusCode());
  }

  @Test
  void refusedListingGetsTheErrorPageWhilePagesStayPublic() {
    // .r:* without .rlistings: the container's own path is refused, with its 401 page as body.
    HttpResponse<String> root = anonymous("/half/");
    assertEquals(401, root.statusCode());
    assertEquals("<p>please log in</p>", root.body());
    assertEquals("page", anonymous("/half/page.html").body());
    // A pseudo-directory cannot be listed either.
    HttpResponse<String> below = anonymous("/half/sub/");
    assertEquals(401, below.statusCode());
    assertEquals("<p>please log in</p>", below.body());
  }

  @Test
  void usersGetTheSiteOnlyWithWebMode() {
    post("/site", Map.of("X-Container-Meta-Web-Index", "index.html"));
    // A token without X-Web-Mode: the plain container listing.
    HttpResponse<String> api = tester.call("GET", "/site/");
    assertEquals(200, api.statusCode());
    assertTrue(api.body().contains("index.html\n"), api.body());

    HttpResponse<String> web = tester.call("GET", "/site/", Map.of("X-Web-Mode", "true"), null);
    assertEquals(200, web.statusCode());
    assertEquals("<p>home</p>", web.body());
    HttpResponse<String> bare = tester.call("GET", "/site", Map.of("X-Web-Mode", "true"), null);
    assertEquals(301, bare.statusCode());
    assertEquals(account + "/site/", header(bare, "Location"));

    // A container without web metadata is not a site: 404 in web mode, the API otherwise.
    assertEquals(
        404, tester.call("GET", "/plain/", Map.of("X-Web-Mode", "true"), null).statusCode());
    assertEquals(200, tester.call("GET", "/plain/").statusCode());
    assertEquals("o\n", anonymous("/plain/").body());
    assertEquals(
        404, PlainHttp.send("GET", account + "/plain/", Map.of("X-Web-Mode", "t")).statusCode());
  }

  @Test
  void headOfAListingAndOfAnIndex() {
    post("/site", Map.of("X-Container-Meta-Web-Index", "index.html"));
    HttpResponse<String> index = PlainHttp.send("HEAD", account + "/site/");
    assertEquals(200, index.statusCode());
    assertEquals("11", header(index, "Content-Length"));
    post("/list", Map.of("X-Container-Meta-Web-Listings", "true"));
    HttpResponse<String> listing = PlainHttp.send("HEAD", account + "/list/");
    assertEquals(200, listing.statusCode());
    assertEquals("text/html; charset=UTF-8", header(listing, "Content-Type"));
  }
}
