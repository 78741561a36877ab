package io.archipelago.http.swift;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.archipelago.engine.account.ContainerPage;
import io.archipelago.engine.account.ContainerSummary;
import io.archipelago.engine.store.ListingEntry;
import io.archipelago.engine.store.ListingPage;
import io.archipelago.http.middleware.symlink.SymlinkTarget;
import io.archipelago.http.protocol.MultipartEtag;
import io.archipelago.http.protocol.PyText;
import io.archipelago.http.protocol.SwiftHeaders;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * Renders container and account listings as Swift does (plain, JSON, XML). An SLO manifest is
 * listed with the total size of its segments and its content type without {@code swift_bytes}; in
 * JSON, a symlink with Swift's {@code symlink_path} (and a static link's {@code symlink_etag} and
 * {@code symlink_bytes}); the current version of a versioned object, which Swift keeps as a link to
 * its version, with the {@code symlink_path} of that version and {@code version_symlink}.
 */
public final class ListingRenderer {

  private static final JsonFactory JSON = new JsonFactory();

  private ListingRenderer() {}

  /**
   * @param account the listed account, in which a symlink without a target account points (its
   *     {@code symlink_path})
   */
  public static String objects(
      String account, String container, ListingPage page, ListingFormat format) {
    return switch (format) {
      case PLAIN -> {
        StringBuilder sb = new StringBuilder();
        page.entries().forEach(e -> sb.append(e.sortKey()).append('\n'));
        yield sb.toString();
      }
      case JSON ->
          json(
              g -> {
                for (ListingEntry e : page.entries()) {
                  g.writeStartObject();
                  if (e instanceof ListingEntry.ObjectRow o) {
                    g.writeStringField("name", o.name());
                    g.writeStringField("hash", o.etag());
                    g.writeNumberField("bytes", bytes(o));
                    g.writeStringField(
                        "content_type", SwiftHeaders.cleanContentType(o.contentType()));
                    g.writeStringField("last_modified", o.timestamp().toListingDate());
                    Optional<String> sloEtag = SwiftHeaders.sloEtag(o.contentType());
                    if (sloEtag.isPresent()) {
                      g.writeStringField("slo_etag", "\"" + sloEtag.get() + "\"");
                    }
                    // as Swift's s3api shows a completed multipart upload's S3 ETag
                    Optional<String> s3Etag = MultipartEtag.ofContentType(o.contentType());
                    if (s3Etag.isPresent()) {
                      g.writeStringField("s3_etag", "\"" + s3Etag.get() + "\"");
                    }
                    Optional<SymlinkTarget> link = SymlinkTarget.ofContentType(o.contentType());
                    Optional<String> versionId = SwiftHeaders.versionId(o.contentType());
                    if (versionId.isPresent()) {
                      // Swift's current version is a link to its version: listed as that link
                      g.writeStringField(
                          "symlink_path",
                          PyText.quote("/v1/" + account + "/" + container + "/" + o.name())
                              + "?version-id="
                              + versionId.get());
                      g.writeBooleanField("version_symlink", true);
                    } else if (link.isPresent()) {
                      g.writeStringField("symlink_path", link.get().path(account));
                      if (link.get().etag().isPresent()) {
                        g.writeStringField("symlink_etag", link.get().etag().get());
                      }
                      if (link.get().bytes().isPresent()) {
                        g.writeNumberField("symlink_bytes", link.get().bytes().get());
                      }
                    }
                  } else {
                    g.writeStringField("subdir", e.sortKey());
                  }
                  g.writeEndObject();
                }
              });
      case XML -> {
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append("<container name=\"").append(xml(container)).append("\">");
        for (ListingEntry e : page.entries()) {
          if (e instanceof ListingEntry.ObjectRow o) {
            sb.append("<object><name>")
                .append(xml(o.name()))
                .append("</name><hash>")
                .append(o.etag())
                .append("</hash><bytes>")
                .append(bytes(o))
                .append("</bytes><content_type>")
                .append(xml(SwiftHeaders.cleanContentType(o.contentType())))
                .append("</content_type><last_modified>")
                .append(o.timestamp().toListingDate())
                .append("</last_modified></object>");
          } else {
            sb.append("<subdir name=\"")
                .append(xml(e.sortKey()))
                .append("\"><name>")
                .append(xml(e.sortKey()))
                .append("</name></subdir>");
          }
        }
        yield sb.append("</container>").toString();
      }
    };
  }

  public static String containers(String account, ContainerPage page, ListingFormat format) {
    return containersOpening(account, format)
        + containerRows(page, format, true)
        + containersClosing(format);
  }

  /** What a container listing starts with, before its first row. */
  public static String containersOpening(String account, ListingFormat format) {
    return switch (format) {
      case PLAIN -> "";
      case JSON -> "[";
      case XML ->
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<account name=\"" + xml(account) + "\">";
    };
  }

  /**
   * The rows of one page of a container listing, to be sent between the opening and the closing;
   * {@code first} when no row precedes them (JSON separates rows by commas).
   */
  public static String containerRows(ContainerPage page, ListingFormat format, boolean first) {
    StringBuilder sb = new StringBuilder();
    switch (format) {
      case PLAIN -> page.rows().forEach(r -> sb.append(r.key()).append('\n'));
      case JSON -> {
        for (ContainerPage.Row r : page.rows()) {
          if (!first || sb.length() > 0) {
            sb.append(',');
          }
          sb.append(
              jsonValue(
                  g -> {
                    g.writeStartObject();
                    if (r.container() != null) {
                      ContainerSummary c = r.container();
                      g.writeStringField("name", c.name());
                      g.writeNumberField("count", c.objectCount());
                      g.writeNumberField("bytes", c.bytesUsed());
                      g.writeStringField("last_modified", c.lastModified().toListingDate());
                    } else {
                      g.writeStringField("subdir", r.subdir());
                    }
                    g.writeEndObject();
                  }));
        }
      }
      case XML -> {
        for (ContainerPage.Row r : page.rows()) {
          if (r.container() != null) {
            ContainerSummary c = r.container();
            sb.append("<container><name>")
                .append(xml(c.name()))
                .append("</name><count>")
                .append(c.objectCount())
                .append("</count><bytes>")
                .append(c.bytesUsed())
                .append("</bytes><last_modified>")
                .append(c.lastModified().toListingDate())
                .append("</last_modified></container>");
          } else {
            sb.append("<subdir name=\"")
                .append(xml(r.subdir()))
                .append("\"><name>")
                .append(xml(r.subdir()))
                .append("</name></subdir>");
          }
        }
      }
    }
    return sb.toString();
  }

  /** What a container listing ends with, after its last row. */
  public static String containersClosing(ListingFormat format) {
    return switch (format) {
      case PLAIN -> "";
      case JSON -> "]";
      case XML -> "</account>";
    };
  }

  /**
   * The size a listing shows: an SLO manifest's {@code swift_bytes} (its total size), else the
   * stored size, as Swift's {@code override_bytes_from_content_type}.
   */
  private static long bytes(ListingEntry.ObjectRow row) {
    return SwiftHeaders.swiftBytes(row.contentType()).orElse(row.size());
  }

  private interface JsonBody {
    void write(JsonGenerator g) throws IOException;
  }

  private static String jsonValue(JsonBody body) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      body.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  private static String json(JsonBody body) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartArray();
      body.write(g);
      g.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  public static String xml(String text) {
    StringBuilder sb = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '&' -> sb.append("&amp;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&apos;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }
}
