package io.archipelago.http.middleware.bulk;

import akka.NotUsed;
import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.RawHeader;
import akka.stream.Materializer;
import akka.stream.javadsl.Source;
import akka.stream.javadsl.StreamConverters;
import akka.util.ByteString;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.archipelago.http.protocol.ClientHead;
import io.archipelago.http.protocol.PyText;
import io.archipelago.http.protocol.RequestPath;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;

/**
 * Swift's bulk upload: {@code PUT ?extract-archive=tar|tar.gz|tar.bz2} on an account, container or
 * pseudo-directory path. Each regular file of the archive becomes an object at that path plus its
 * name in the archive (at the account, the name's first segment is the container, created when
 * missing); files at the base level are ignored. Every container HEAD/PUT and object PUT is an
 * ordinary request with the caller's token, so it is authorized like one. The archive streams
 * through: each file's bytes go to its PUT as they are read, one file at a time, never held whole.
 * The answer is always 200; its body (plain text, JSON or XML by {@code Accept}) tells the outcome
 * as {@code Response Status}, {@code Response Body}, {@code Number Files Created} and {@code
 * Errors}, as Swift's; whitespace keeps the connection alive meanwhile.
 */
public final class ExtractArchive {

  public static final int MAX_CONTAINERS_PER_EXTRACTION = 10_000;
  public static final int MAX_FAILED_EXTRACTIONS = 1_000;

  /** How long one file's PUT (or one container request) may take. */
  private static final Duration SUB_REQUEST_TIMEOUT = Duration.ofMinutes(10);

  /** How long the reader waits for the client's next bytes. */
  private static final Duration READ_TIMEOUT = Duration.ofMinutes(1);

  /**
   * Sends a request (its raw, percent-encoded path given) through the gateway as the caller: with
   * the caller's tokens and referrer, under the same transaction id.
   */
  @FunctionalInterface
  public interface CallerRequests {
    CompletionStage<HttpResponse> send(HttpRequest sub, String rawPath);
  }

  private enum Compression {
    NONE,
    GZIP,
    BZIP2
  }

  private final Materializer materializer;
  private final Executor blocking;
  private final Duration yieldFrequency;
  private final long maxObjectSize;

  /**
   * @param blocking where the archive is read: reading the client's body and waiting for each PUT
   *     block, so never on the default dispatcher
   */
  public ExtractArchive(Materializer materializer, Executor blocking, long maxObjectSize) {
    this.materializer = materializer;
    this.blocking = blocking;
    this.maxObjectSize = maxObjectSize;
    this.yieldFrequency = BulkDelete.YIELD_FREQUENCY;
  }

  /** Whether the request is a bulk upload. */
  public static boolean applies(HttpRequest request, Map<String, String> query) {
    return query.containsKey("extract-archive") && request.method().value().equals("PUT");
  }

  /** The {@code bulk_upload} section of /info. */
  public static void capabilities(ObjectNode info) {
    ObjectNode bulk = info.putObject("bulk_upload");
    bulk.put("max_containers_per_extraction", MAX_CONTAINERS_PER_EXTRACTION);
    bulk.put("max_failed_extractions", MAX_FAILED_EXTRACTIONS);
  }

  public CompletionStage<HttpResponse> handle(
      HttpRequest request,
      RequestPath path,
      Map<String, String> query,
      Map<String, String> headers,
      CallerRequests asCaller) {
    Optional<Compression> compression = compression(query.get("extract-archive"));
    if (compression.isEmpty()) {
      request.discardEntityBytes(materializer);
      return CompletableFuture.completedFuture(
          HttpResponse.create()
              .withStatus(StatusCodes.BAD_REQUEST)
              .withEntity(ContentTypes.TEXT_PLAIN_UTF8, "Unsupported archive format"));
    }
    if (ClientHead.lengthMissing(request)) {
      // Swift reports 411 in its 200; here the unframed bytes that follow must close the connection
      return CompletableFuture.completedFuture(
          HttpResponse.create()
              .withStatus(StatusCodes.LENGTH_REQUIRED)
              .withEntity(ContentTypes.TEXT_PLAIN_UTF8, "Length Required"));
    }
    Optional<String> format =
        BulkResponseBody.bestMatch(Optional.ofNullable(headers.get("accept")));
    Report report = new Report();
    CompletionStage<Report> outcome;
    if (format.isEmpty()) {
      request.discardEntityBytes(materializer);
      outcome = CompletableFuture.completedFuture(report.fail("406 Not Acceptable", ""));
    } else {
      InputStream body =
          request
              .entity()
              .getDataBytes()
              .runWith(StreamConverters.asInputStream(READ_TIMEOUT), materializer);
      outcome =
          CompletableFuture.supplyAsync(
              () -> extract(body, compression.get(), path, headers, asCaller, report), blocking);
    }
    boolean xml = format.map(f -> f.endsWith("/xml")).orElse(false);
    AtomicBoolean yielded = new AtomicBoolean();
    String out = format.orElse("text/plain");
    Source<ByteString, NotUsed> responseBody =
        Source.completionStage(outcome)
            .map(
                r ->
                    ByteString.fromString(
                        (yielded.get() ? "\r\n\r\n" : "")
                            + BulkResponseBody.render(out, r.fields(), r.errors, "extract")))
            .keepAlive(
                yieldFrequency,
                () -> {
                  boolean first = !yielded.getAndSet(true);
                  return ByteString.fromString(
                      first && xml ? "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" : " ");
                });
    ContentType type =
        format.isEmpty() ? ContentTypes.TEXT_HTML_UTF8 : BulkResponseBody.contentType(format.get());
    return CompletableFuture.completedFuture(
        HttpResponse.create()
            .withStatus(StatusCodes.OK)
            .withEntity(HttpEntities.createChunked(type, responseBody)));
  }

  /** Swift's mapping of the parameter, {@code strip('.')} and case ignored. */
  private static Optional<Compression> compression(String value) {
    String v = value.toLowerCase(Locale.ROOT).replaceAll("^\\.+|\\.+$", "");
    return switch (v) {
      case "tar" -> Optional.of(Compression.NONE);
      case "tar.gz" -> Optional.of(Compression.GZIP);
      case "tar.bz2" -> Optional.of(Compression.BZIP2);
      default -> Optional.empty();
    };
  }

  /** What the answer says; filled by the extraction's thread alone. */
  private static final class Report {
    String status = "201 Created";
    String body = "";
    long created;
    final List<String[]> errors = new ArrayList<>();

    Report fail(String status, String body) {
      this.status = status;
      this.body = body;
      return this;
    }

    Map<String, Object> fields() {
      Map<String, Object> fields = new TreeMap<>();
      fields.put("Response Status", status);
      fields.put("Response Body", body);
      fields.put("Number Files Created", created);
      return fields;
    }
  }

  /** An answer that ends the extraction (Swift's HTTPException inside its loop). */
  private static final class Stop extends RuntimeException {
    final String status;
    final String body;

    Stop(String status, String body) {
      super(status, null, false, false);
      this.status = status;
      this.body = body;
    }
  }

  /** Runs on the blocking executor: reads the archive and sends one request at a time. */
  private Report extract(
      InputStream body,
      Compression compression,
      RequestPath path,
      Map<String, String> headers,
      CallerRequests asCaller,
      Report report) {
    String failedStatus = "400 Bad Request";
    try (InputStream raw = new BufferedInputStream(body, 64 * 1024)) {
      InputStream decompressed =
          switch (compression) {
            case NONE -> raw;
            case GZIP -> new GZIPInputStream(raw, 64 * 1024);
            case BZIP2 -> new BZip2CompressorInputStream(raw);
          };
      TarArchiveInputStream tar = new TarArchiveInputStream(decompressed, "UTF-8");
      String base =
          path.container().map(c -> c + path.object().map(o -> "/" + o).orElse("")).orElse("");
      base = base.replaceAll("/+$", "");
      Set<String> accessed = new HashSet<>();
      int containersCreated = 0;
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null
          && report.errors.size() < MAX_FAILED_EXTRACTIONS) {
        if (!entry.isFile()) {
          continue;
        }
        String name = entry.getName();
        if (name.startsWith("./")) {
          name = name.substring(2);
        }
        name = name.replaceAll("^/+", "");
        if (!base.isEmpty()) {
          name = base + "/" + name;
        }
        if (name.indexOf('/') < 0) {
          continue; // a file at the base level
        }
        String quotedName = PyText.quote(truncate(name));
        String container = name.substring(0, name.indexOf('/'));
        if (name.indexOf('\uFFFD') >= 0 || name.indexOf('\0') >= 0) {
          report.errors.add(new String[] {quotedName, "412 Precondition Failed"});
          continue;
        }
        if (entry.getSize() > maxObjectSize) {
          report.errors.add(new String[] {quotedName, "413 Request Entity Too Large"});
          continue;
        }
        String[] containerFailure = null;
        if (!accessed.contains(container)) {
          String containerPath = "/v1/" + PyText.quote(path.account() + "/" + container);
          HttpResponse head = await(asCaller.send(HttpRequest.HEAD(containerPath), containerPath));
          if (!head.status().isSuccess()) {
            HttpResponse created = head;
            if (head.status().intValue() == 404) {
              created = await(asCaller.send(HttpRequest.PUT(containerPath), containerPath));
              if (created.status().isSuccess()
                  && ++containersCreated > MAX_CONTAINERS_PER_EXTRACTION) {
                throw new Stop(
                    "400 Bad Request",
                    "More than "
                        + MAX_CONTAINERS_PER_EXTRACTION
                        + " containers to create from tar.");
              }
            }
            if (!created.status().isSuccess()) {
              containerFailure =
                  new String[] {
                    PyText.quote(truncate("/v1/" + path.account() + "/" + container)),
                    status(created)
                  };
              if (created.status().intValue() == 401) {
                throw new Stop("401 Unauthorized", "");
              }
            }
          }
        }
        HttpResponse put = put(tar, entry, path.account(), name, headers, asCaller);
        accessed.add(container);
        if (put.status().isSuccess()) {
          report.created++;
        } else {
          if (containerFailure != null) {
            report.errors.add(containerFailure);
          }
          if (put.status().intValue() == 401) {
            report.errors.add(new String[] {quotedName, "401 Unauthorized"});
            throw new Stop("401 Unauthorized", "");
          }
          if (put.status().intValue() >= 500) {
            failedStatus = "502 Bad Gateway";
          }
          report.errors.add(new String[] {quotedName, status(put)});
        }
      }
      if (!report.errors.isEmpty()) {
        report.status = failedStatus;
      } else if (report.created == 0) {
        report.fail("400 Bad Request", "Invalid Tar File: No Valid Files");
      }
    } catch (Stop stop) {
      report.fail(stop.status, stop.body);
    } catch (IOException | IllegalArgumentException e) {
      report.fail("400 Bad Request", "Invalid Tar File: " + e.getMessage());
    } catch (RuntimeException e) {
      report.fail("500 Internal Error", "");
    }
    return report;
  }

  /** One file's PUT, its bytes read from the archive as the PUT takes them. */
  private HttpResponse put(
      TarArchiveInputStream tar,
      TarArchiveEntry entry,
      String account,
      String name,
      Map<String, String> headers,
      CallerRequests asCaller) {
    String rawPath = "/v1/" + PyText.quote(account + "/" + name);
    CompletableFuture<Void> closed = new CompletableFuture<>();
    EntryReader reader = new EntryReader();
    Source<ByteString, ?> data =
        StreamConverters.fromInputStream(
            () -> {
              if (!reader.open()) {
                return InputStream.nullInputStream(); // too late: the archive has moved on
              }
              return new FilterInputStream(tar) {
                @Override
                public void close() {
                  closed.complete(null); // the archive goes on with its next file
                }
              };
            },
            64 * 1024);
    ContentType type = ContentTypes.NO_CONTENT_TYPE;
    HttpRequest sub = HttpRequest.PUT(rawPath);
    for (Map.Entry<String, String> h : headers.entrySet()) {
      String k = h.getKey();
      if (k.equals("x-delete-at") || k.equals("x-delete-after") || k.startsWith("x-object-meta-")) {
        sub = sub.addHeader(RawHeader.create(k, h.getValue()));
      }
    }
    for (Map.Entry<String, String> pax : entry.getExtraPaxHeaders().entrySet()) {
      String key = pax.getKey();
      if (key.equals("SCHILY.xattr.user.mime_type")
          || key.equals("LIBARCHIVE.xattr.user.mime_type")) {
        Optional<ContentType> parsed = parseContentType(pax.getValue());
        if (parsed.isPresent()) {
          type = parsed.get();
        }
      } else if (key.startsWith("SCHILY.xattr.user.meta.")) {
        sub = sub.addHeader(RawHeader.create("X-Object-Meta-" + key.substring(23), pax.getValue()));
      } else if (key.startsWith("LIBARCHIVE.xattr.user.meta.")) {
        sub = sub.addHeader(RawHeader.create("X-Object-Meta-" + key.substring(27), pax.getValue()));
      }
    }
    sub = sub.withEntity(HttpEntities.create(type, entry.getSize(), data));
    HttpResponse response = await(asCaller.send(sub, rawPath));
    if (reader.detach()) {
      // the PUT's reader may still hold the archive: the next file waits until it let go
      closed.orTimeout(SUB_REQUEST_TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
    }
    return response;
  }

  /**
   * Whether a PUT's body reader took the archive's current file, and the point after which none
   * may: once the PUT answered, the archive goes on only when no reader holds it.
   */
  private static final class EntryReader {
    private boolean opened;
    private boolean detached;

    synchronized boolean open() {
      if (detached) {
        return false;
      }
      opened = true;
      return true;
    }

    /** True when a reader took the file: then wait until it closed it. */
    synchronized boolean detach() {
      detached = true;
      return opened;
    }
  }

  private static Optional<ContentType> parseContentType(String value) {
    try {
      return Optional.of(ContentTypes.parse(value));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /** A sub-request's answer, its body discarded. */
  private HttpResponse await(CompletionStage<HttpResponse> response) {
    HttpResponse r =
        response
            .toCompletableFuture()
            .orTimeout(SUB_REQUEST_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
            .join();
    r.discardEntityBytes(materializer);
    return r;
  }

  private static String status(HttpResponse r) {
    return r.status().intValue() + " " + r.status().reason();
  }

  /** Swift's {@code max_path_length} cut of a name in the report. */
  private static String truncate(String name) {
    return name.length() > BulkDelete.MAX_PATH_LENGTH
        ? name.substring(0, BulkDelete.MAX_PATH_LENGTH)
        : name;
  }
}
