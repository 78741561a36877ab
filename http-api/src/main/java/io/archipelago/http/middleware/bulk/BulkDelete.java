package io.archipelago.http.middleware.bulk;

import akka.NotUsed;
import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.model.StatusCodes;
import akka.stream.Materializer;
import akka.stream.javadsl.Framing;
import akka.stream.javadsl.FramingTruncation;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.archipelago.http.protocol.AcceptHeader;
import io.archipelago.http.protocol.PyText;
import io.archipelago.http.protocol.RequestPath;
import io.archipelago.http.protocol.SwiftStatus;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Swift's bulk delete: {@code POST} (or {@code DELETE}) with {@code ?bulk-delete} and a body of
 * newline separated, URL-encoded {@code /container/object} or {@code /container} paths. Objects go
 * first, then containers, two at a time; each delete is an ordinary request with the caller's token
 * (so it is authorized like one). The answer is always 200: its body (plain text, JSON or XML by
 * {@code Accept}) tells the outcome as {@code Response Status}, {@code Response Body}, {@code
 * Number Deleted}, {@code Number Not Found} and {@code Errors}. While deletes run longer than ten
 * seconds, whitespace keeps the connection alive, as Swift does.
 */
public final class BulkDelete {

  public static final int MAX_DELETES_PER_REQUEST = 10_000;
  public static final int MAX_FAILED_DELETES = 1_000;

  /** Longest useful line: an object name, a container name and two slashes. */
  public static final int MAX_PATH_LENGTH = 1024 + 256 + 2;

  public static final int DELETE_CONCURRENCY = 2;
  public static final Duration YIELD_FREQUENCY = Duration.ofSeconds(10);
  public static final List<String> ACCEPTABLE_FORMATS =
      List.of("text/plain", "application/json", "application/xml", "text/xml");

  private final Materializer materializer;
  private final Duration yieldFrequency;

  public BulkDelete(Materializer materializer) {
    this(materializer, YIELD_FREQUENCY);
  }

  public BulkDelete(Materializer materializer, Duration yieldFrequency) {
    this.materializer = materializer;
    this.yieldFrequency = yieldFrequency;
  }

  /** Whether the request is a bulk delete. */
  public static boolean applies(HttpRequest request, Map<String, String> query) {
    String method = request.method().value();
    return query.containsKey("bulk-delete") && (method.equals("POST") || method.equals("DELETE"));
  }

  /** The {@code bulk_delete} section of /info. */
  public static void capabilities(ObjectNode info) {
    ObjectNode bulk = info.putObject("bulk_delete");
    bulk.put("max_deletes_per_request", MAX_DELETES_PER_REQUEST);
    bulk.put("max_failed_deletes", MAX_FAILED_DELETES);
  }

  /**
   * Runs a bulk delete.
   *
   * @param path the request's path; names in the body are relative to its account
   * @param headers the request's headers by lower-case name
   * @param delete deletes one raw (percent-encoded) path as a request of the caller would
   */
  public CompletionStage<HttpResponse> handle(
      HttpRequest request,
      RequestPath path,
      Map<String, String> headers,
      Function<String, CompletionStage<HttpResponse>> delete) {
    Optional<String> format = AcceptHeader.bestMatch(headers.get("accept"), ACCEPTABLE_FORMATS);
    CompletionStage<Outcome> outcome;
    if (format.isEmpty()) {
      request.discardEntityBytes(materializer);
      outcome = CompletableFuture.completedFuture(Outcome.failed("406 Not Acceptable", ""));
    } else if (!plainText(request.entity().getContentType())) {
      request.discardEntityBytes(materializer);
      outcome = CompletableFuture.completedFuture(Outcome.failed("406 Not Acceptable", ""));
    } else {
      outcome =
          readNames(request)
              .thenApply(names -> run(path, names, delete))
              .exceptionally(
                  failure -> {
                    Throwable t =
                        failure instanceof CompletionException && failure.getCause() != null
                            ? failure.getCause()
                            : failure;
                    if (t instanceof TooMany) {
                      return CompletableFuture.completedFuture(
                          Outcome.failed(
                              "413 Request Entity Too Large",
                              "Maximum Bulk Deletes: " + MAX_DELETES_PER_REQUEST + " per request"));
                    }
                    if (t instanceof akka.stream.scaladsl.Framing.FramingException) {
                      return CompletableFuture.completedFuture(
                          Outcome.failed("400 Bad Request", "Invalid File Name"));
                    }
                    return CompletableFuture.completedFuture(
                        Outcome.failed("500 Internal Error", ""));
                  })
              .thenCompose(Function.identity());
    }
    boolean xml = format.map(f -> f.endsWith("/xml")).orElse(false);
    AtomicBoolean yielded = new AtomicBoolean();
    Source<ByteString, NotUsed> body =
        Source.completionStage(outcome)
            .map(
                o ->
                    ByteString.fromString(
                        (yielded.get() ? "\r\n\r\n" : "") + o.render(format.orElse(null))))
            .keepAlive(
                yieldFrequency,
                () -> {
                  boolean first = !yielded.getAndSet(true);
                  return ByteString.fromString(
                      first && xml ? "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" : " ");
                });
    return CompletableFuture.completedFuture(
        HttpResponse.create()
            .withStatus(StatusCodes.OK)
            .withEntity(HttpEntities.createChunked(contentType(format), body)));
  }

  private static boolean plainText(ContentType declared) {
    // A request without Content-Type reaches us as application/octet-stream.
    return declared.equals(ContentTypes.NO_CONTENT_TYPE)
        || declared.equals(ContentTypes.APPLICATION_OCTET_STREAM)
        || declared.mediaType().toString().equals("text/plain");
  }

  private static ContentType contentType(Optional<String> format) {
    if (format.isEmpty()) {
      return ContentTypes.TEXT_HTML_UTF8;
    }
    return switch (format.get()) {
      case "application/json" -> ContentTypes.APPLICATION_JSON;
      case "application/xml" -> MediaTypes.APPLICATION_XML.toContentTypeWithMissingCharset();
      case "text/xml" -> MediaTypes.TEXT_XML.toContentTypeWithMissingCharset();
      default -> MediaTypes.TEXT_PLAIN.toContentTypeWithMissingCharset();
    };
  }

  private static final class TooMany extends RuntimeException {
    TooMany() {
      super("too many", null, false, false);
    }
  }

  /** One line of the body: its decoded name, or null if the bytes are not a valid name. */
  private record Name(String name, String quotedRaw) {}

  private CompletionStage<List<Name>> readNames(HttpRequest request) {
    return request
        .entity()
        .getDataBytes()
        .via(
            Framing.delimiter(
                ByteString.fromString("\n"), 2 * MAX_PATH_LENGTH, FramingTruncation.ALLOW))
        .take(MAX_DELETES_PER_REQUEST + 1L)
        .map(BulkDelete::name)
        .runWith(Sink.seq(), materializer)
        .thenApply(
            names -> {
              if (names.size() > MAX_DELETES_PER_REQUEST) {
                throw new TooMany();
              }
              return names;
            });
  }

  private static Name name(ByteString line) {
    byte[] raw = line.toArray();
    int start = 0;
    int end = raw.length;
    while (start < end && isSpace(raw[start])) {
      start++;
    }
    while (end > start && isSpace(raw[end - 1])) {
      end--;
    }
    return decode(unquote(Arrays.copyOfRange(raw, start, end)));
  }

  private static boolean isSpace(byte b) {
    return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == 0x0b || b == 0x0c;
  }

  private static byte[] unquote(byte[] raw) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
    for (int i = 0; i < raw.length; i++) {
      if (raw[i] == '%' && i + 2 < raw.length) {
        int hi = Character.digit(raw[i + 1], 16);
        int lo = Character.digit(raw[i + 2], 16);
        if (hi >= 0 && lo >= 0) {
          out.write(hi * 16 + lo);
          i += 2;
          continue;
        }
      }
      out.write(raw[i]);
    }
    return out.toByteArray();
  }

  private static Name decode(byte[] bytes) {
    try {
      String text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
      return new Name(text.indexOf('\0') >= 0 ? null : text, quoteBytes(bytes));
    } catch (CharacterCodingException e) {
      return new Name(null, quoteBytes(bytes));
    }
  }

  private static String quoteBytes(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (byte b : bytes) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '_'
          || c == '.'
          || c == '-'
          || c == '~'
          || c == '/') {
        sb.append((char) c);
      } else {
        sb.append(String.format("%%%02X", c));
      }
    }
    return sb.toString();
  }

  private CompletionStage<Outcome> run(
      RequestPath path, List<Name> names, Function<String, CompletionStage<HttpResponse>> delete) {
    Tally tally = new Tally();
    List<Name> objects = new ArrayList<>();
    List<Name> containers = new ArrayList<>();
    for (Name n : names) {
      String lenient = n.name() != null ? n.name() : PyText.unquote(n.quotedRaw());
      if (lenient.isEmpty()) {
        continue;
      }
      (stripSlashes(lenient).contains("/") ? objects : containers).add(n);
    }
    String prefix = "/" + path.version() + "/" + path.account() + "/";
    Function<List<Name>, CompletionStage<?>> phase =
        list ->
            Source.from(list)
                .takeWhile(n -> !tally.tooManyFailures())
                .mapAsync(
                    DELETE_CONCURRENCY,
                    n -> {
                      if (n.name() == null) {
                        return CompletableFuture.completedFuture(
                            new Deleted(n, 412, "412 Precondition Failed"));
                      }
                      String target = prefix + n.name().replaceFirst("^/+", "");
                      return delete
                          .apply(PyText.quote(target))
                          .thenApply(
                              r -> {
                                r.discardEntityBytes(materializer);
                                return new Deleted(
                                    n, r.status().intValue(), SwiftStatus.line(r.status()));
                              })
                          .exceptionally(e -> new Deleted(n, 500, "500 Internal Error"));
                    })
                .runForeach(tally::add, materializer);
    return phase
        .apply(objects)
        .thenCompose(
            done ->
                tally.tooManyFailures()
                    ? CompletableFuture.completedFuture(null)
                    : phase.apply(containers))
        .thenApply(done -> tally.outcome());
  }

  private static String stripSlashes(String s) {
    return s.replaceAll("^/+|/+$", "");
  }

  private record Deleted(Name name, int status, String statusLine) {}

  /** Counts as deletes complete (one thread at a time: the stream's). */
  private static final class Tally {
    private int deleted;
    private int notFound;
    private final List<String[]> errors = new ArrayList<>();
    private boolean badGateway;

    void add(Deleted d) {
      if (d.status() / 100 == 2) {
        deleted++;
      } else if (d.status() == 404) {
        notFound++;
      } else {
        if (d.status() / 100 == 5) {
          badGateway = true;
        }
        errors.add(
            new String[] {
              d.name().quotedRaw(), d.status() == 401 ? "401 Unauthorized" : d.statusLine()
            });
      }
    }

    boolean tooManyFailures() {
      return errors.size() >= MAX_FAILED_DELETES;
    }

    Outcome outcome() {
      String status = "200 OK";
      String body = "";
      if (tooManyFailures()) {
        status = "400 Bad Request";
        body = "Max delete failures exceeded";
      } else if (!errors.isEmpty()) {
        status = badGateway ? "502 Bad Gateway" : "400 Bad Request";
      } else if (deleted == 0 && notFound == 0) {
        status = "400 Bad Request";
        body = "Invalid bulk delete.";
      }
      return new Outcome(status, body, deleted, notFound, errors);
    }
  }

  /** What a bulk delete reports. */
  public record Outcome(
      String status, String body, int deleted, int notFound, List<String[]> errors) {

    static Outcome failed(String status, String body) {
      return new Outcome(status, body, 0, 0, List.of());
    }

    /** Swift's get_response_body for a delete, in the negotiated format (null: plain text). */
    String render(String format) {
      if ("application/json".equals(format)) {
        StringBuilder sb = new StringBuilder("{");
        sb.append("\"Response Status\": ").append(PyText.jsonString(status));
        sb.append(", \"Response Body\": ").append(PyText.jsonString(body));
        sb.append(", \"Number Deleted\": ").append(deleted);
        sb.append(", \"Number Not Found\": ").append(notFound);
        sb.append(", \"Errors\": [");
        for (int i = 0; i < errors.size(); i++) {
          sb.append(i > 0 ? ", " : "")
              .append('[')
              .append(PyText.jsonString(errors.get(i)[0]))
              .append(", ")
              .append(PyText.jsonString(errors.get(i)[1]))
              .append(']');
        }
        return sb.append("]}").toString();
      }
      if (format != null && format.endsWith("/xml")) {
        StringBuilder sb = new StringBuilder("<delete>\n");
        sb.append("<number_deleted>").append(deleted).append("</number_deleted>\n");
        sb.append("<number_not_found>").append(notFound).append("</number_not_found>\n");
        sb.append("<response_body>").append(xml(body)).append("</response_body>\n");
        sb.append("<response_status>").append(xml(status)).append("</response_status>\n");
        sb.append("<errors>\n");
        for (String[] e : errors) {
          sb.append("<object><name>")
              .append(xml(e[0]))
              .append("</name><status>")
              .append(xml(e[1]))
              .append("</status></object>\n");
        }
        return sb.append("</errors>\n</delete>\n").toString();
      }
      StringBuilder sb = new StringBuilder();
      sb.append("Number Deleted: ").append(deleted).append('\n');
      sb.append("Number Not Found: ").append(notFound).append('\n');
      sb.append("Response Body: ").append(body).append('\n');
      sb.append("Response Status: ").append(status).append('\n');
      sb.append("Errors:\n");
      for (String[] e : errors) {
        sb.append(e[0]).append(", ").append(e[1]).append('\n');
      }
      return sb.toString();
    }

    private static String xml(String s) {
      return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
  }
}
