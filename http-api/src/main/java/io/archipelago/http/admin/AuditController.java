package io.archipelago.http.admin;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpCharsets;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.MediaTypes;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.archipelago.engine.ArchipelagoEngine;
import io.archipelago.engine.audit.AuditService;
import io.archipelago.engine.audit.AuditTime;
import io.archipelago.engine.container.ContainerHistory;
import io.archipelago.engine.container.ContainerState;
import io.archipelago.http.protocol.RequestPath;
import io.archipelago.http.protocol.SwiftError;
import io.archipelago.http.protocol.SwiftErrors;
import io.archipelago.http.protocol.SwiftException;
import io.archipelago.persistence.audit.AuditJson;
import io.archipelago.persistence.audit.AuditQuery;
import io.archipelago.persistence.audit.AuditRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/**
 * The audit part of the admin API.
 *
 * <p>{@code GET /admin/audit} streams the audit log as NDJSON (one event a line, journal order),
 * read page by page from the journal. Filters: {@code account}, {@code container} (with account),
 * {@code principal}, {@code type} (comma separated), {@code since} and {@code until} (ISO-8601 or
 * Swift timestamps, on the time the request was accepted). {@code limit} caps the lines; when it
 * cut the range short, a last line {@code {"next": cursor}} says where to go on ({@code
 * next=cursor}). {@code follow=true} keeps the response open and streams new events (a blank line
 * every 30 s keeps idle connections alive).
 *
 * <p>{@code GET /admin/containers/{account}/{container}/history?at=T} replays the container's
 * events up to T and answers its state then.
 */
public final class AuditController {

  private static final ContentType NDJSON =
      ContentTypes.create(MediaTypes.applicationWithFixedCharset("x-ndjson", HttpCharsets.UTF_8));
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> PARAMS =
      Set.of(
          "account", "container", "principal", "type", "since", "until", "limit", "next", "follow");

  private final AuditService audit;

  public AuditController(ArchipelagoEngine engine) {
    this.audit = new AuditService(engine.system());
  }

  public CompletionStage<HttpResponse> log(HttpRequest request) {
    Map<String, String> q = query(request);
    for (String key : q.keySet()) {
      if (!PARAMS.contains(key)) {
        throw badRequest(
            "unknown parameter '"
                + key
                + "' (known: "
                + String.join(", ", PARAMS.stream().sorted().toList())
                + ")");
      }
    }
    Optional<String> account = nonEmpty(q.get("account"));
    Optional<String> container = nonEmpty(q.get("container"));
    if (container.isPresent() && account.isEmpty()) {
      throw badRequest("container needs account");
    }
    AuditQuery query =
        AuditService.scoped(AuditQuery.all(), account, container)
            .withPrincipal(nonEmpty(q.get("principal")))
            .withTypes(
                nonEmpty(q.get("type"))
                    .map(
                        t ->
                            Arrays.stream(t.split(","))
                                .map(String::trim)
                                .filter(s -> !s.isEmpty())
                                .collect(Collectors.toSet()))
                    .orElse(Set.of()))
            .withTime(
                nonEmpty(q.get("since")).map(this::instant),
                nonEmpty(q.get("until")).map(this::instant));
    Optional<Long> after =
        nonEmpty(q.get("next"))
            .map(
                c -> {
                  try {
                    return AuditJson.parseCursor(c);
                  } catch (IllegalArgumentException e) {
                    throw badRequest(e.getMessage());
                  }
                });
    Source<ByteString, ?> body;
    if ("true".equalsIgnoreCase(q.getOrDefault("follow", ""))) {
      body =
          audit
              .follow(query, after)
              .mapConcat(AuditController::lines)
              .keepAlive(Duration.ofSeconds(30), () -> ByteString.fromString("\n"));
    } else {
      long limit = nonEmpty(q.get("limit")).map(this::limit).orElse(Long.MAX_VALUE);
      body =
          audit
              .range(query, after.orElse(0L), limit)
              .mapConcat(
                  chunk -> {
                    List<ByteString> lines = lines(chunk.records());
                    chunk
                        .nextAfter()
                        .ifPresent(
                            n -> lines.add(ByteString.fromArrayUnsafe(AuditJson.nextLine(n))));
                    return lines;
                  });
    }
    return CompletableFuture.completedFuture(
        HttpResponse.create().withEntity(HttpEntities.createChunked(NDJSON, body)));
  }

  public CompletionStage<HttpResponse> history(
      HttpRequest request, String account, String container) {
    String at = query(request).get("at");
    if (at == null || at.isBlank()) {
      throw badRequest("history needs at=<ISO-8601 instant or Swift timestamp>");
    }
    Instant instant = instant(at);
    return audit
        .history(account, container, instant)
        .thenApply(
            p -> {
              if (p.eventsRead() == 0) {
                return SwiftErrors.response(SwiftError.NOT_FOUND);
              }
              return json(historyJson(p, instant));
            });
  }

  /** The answer of the history endpoint (and of {@code archipelago audit replay}). */
  public static ObjectNode historyJson(ContainerHistory.PointInTime p, Instant at) {
    ContainerState s = p.state();
    ObjectNode root = JSON.createObjectNode();
    root.put("account", s.account());
    root.put("container", s.container());
    root.put("at", at.toString());
    root.put("sequenceNr", p.sequenceNr());
    if (p.sequenceNr() > 0) {
      ObjectNode last = root.putObject("lastEvent");
      last.put("type", p.lastEventType());
      last.put("at", p.lastEventAt() == null ? null : p.lastEventAt().toString());
    }
    if (!p.unreadable().isEmpty()) {
      // stored events the replay left out (see POST /admin/containers/{a}/{c}/skip-event)
      ArrayNode unreadable = root.putArray("unreadableEvents");
      for (ContainerHistory.Unreadable u : p.unreadable()) {
        unreadable
            .addObject()
            .put("sequenceNr", u.sequenceNr())
            .put("type", u.type())
            .put("reason", u.reason())
            .put("skipped", u.skipped());
      }
    }
    // empty: the container did not exist yet at that instant
    root.put("state", s.lifecycle().name().toLowerCase(Locale.ROOT));
    root.put("policy", s.policy());
    ObjectNode assignment = root.putObject("assignment");
    assignment.put("primary", s.primaryBackend());
    ArrayNode replicas = assignment.putArray("replicas");
    s.replicaBackends().forEach(replicas::add);
    root.put("objectCount", s.objectCount());
    root.put("bytesUsed", s.bytesUsed());
    root.put("createdAt", s.createdAt().internal());
    root.put("modifiedAt", s.modifiedAt().internal());
    ObjectNode metadata = root.putObject("metadata");
    s.metadata().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> metadata.put(e.getKey(), e.getValue()));
    // how far each replica was: every change up to syncedSeqNr was on it
    ObjectNode sync = root.putObject("sync");
    sync.put("lastChangeSeqNr", s.sync().lastChangeSeqNr());
    ObjectNode syncReplicas = sync.putObject("replicas");
    s.sync().replicas().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              ObjectNode r = syncReplicas.putObject(e.getKey());
              r.put("syncedSeqNr", e.getValue().syncedSeqNr());
              r.put(
                  "pendingSince", e.getValue().pendingSince().map(Instant::toString).orElse(null));
              r.put("failedObjects", e.getValue().failedObjects());
            });
    return root;
  }

  /**
   * One HTTP chunk per line: a page concatenated into one array would be a "humongous" G1
   * allocation at 500 lines, which a small heap pays for with full collections.
   */
  private static List<ByteString> lines(List<AuditRecord> records) {
    List<ByteString> lines = new ArrayList<>(records.size() + 1);
    for (AuditRecord r : records) {
      lines.add(ByteString.fromArrayUnsafe(AuditJson.line(r)));
    }
    return lines;
  }

  private Instant instant(String text) {
    try {
      return AuditTime.parse(text);
    } catch (IllegalArgumentException e) {
      throw badRequest(e.getMessage());
    }
  }

  private long limit(String text) {
    try {
      long n = Long.parseLong(text);
      if (n <= 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw badRequest("limit must be a positive integer");
    }
  }

  private static Map<String, String> query(HttpRequest request) {
    return RequestPath.parseQuery(request.getUri().rawQueryString().orElse(""));
  }

  private static Optional<String> nonEmpty(String s) {
    return s == null || s.isEmpty() ? Optional.empty() : Optional.of(s);
  }

  private static SwiftException badRequest(String message) {
    return new SwiftException(SwiftError.BAD_REQUEST, message);
  }

  private static HttpResponse json(ObjectNode node) {
    return HttpResponse.create()
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, node.toPrettyString()));
  }
}
