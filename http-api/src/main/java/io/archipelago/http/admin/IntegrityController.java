package io.archipelago.http.admin;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.archipelago.engine.integrity.Integrity;
import io.archipelago.engine.integrity.IntegrityLedger;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * {@code GET /admin/integrity}: this node's counts of checked and corrupt objects, the copies it
 * quarantined (newest first, and whether each was restored), and the scrubber's progress and last
 * completed pass per backend.
 */
final class IntegrityController {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Integrity integrity;

  IntegrityController(Integrity integrity) {
    this.integrity = integrity;
  }

  CompletionStage<HttpResponse> report() {
    return integrity.scrubProgress().thenApply(this::render);
  }

  private HttpResponse render(Map<String, IntegrityLedger.ScrubProgress> scrubs) {
    IntegrityLedger ledger = integrity.ledger();
    IntegrityLedger.Counters c = ledger.counters();
    ObjectNode root = JSON.createObjectNode();
    root.put("verifyOnRead", integrity.settings().verifyOnRead());
    ObjectNode counters = root.putObject("counters");
    counters.put("readsVerified", c.readsVerified());
    counters.put("readMismatches", c.readMismatches());
    counters.put("objectsScrubbed", c.objectsScrubbed());
    counters.put("bytesScrubbed", c.bytesScrubbed());
    counters.put("scrubMismatches", c.scrubMismatches());
    counters.put("scrubErrors", c.scrubErrors());
    counters.put("quarantined", c.quarantined());
    counters.put("recordedOnly", c.recordedOnly());
    counters.put("repaired", c.repaired());
    counters.put("repairFailures", c.repairFailures());
    ArrayNode quarantined = root.putArray("quarantined");
    for (IntegrityLedger.Quarantined q : ledger.quarantinedObjects()) {
      ObjectNode n = quarantined.addObject();
      n.put("backend", q.backend());
      n.put("account", q.account());
      n.put("container", q.container());
      n.put("name", q.name());
      n.put("timestamp", q.timestamp().internal());
      n.put("etag", q.etag());
      n.put("reason", q.reason());
      n.put("detectedBy", q.detectedBy().name().toLowerCase());
      n.put("at", q.at().toString());
      n.put("moved", q.moved());
      n.put("repaired", q.repairedFrom().isPresent());
      n.put("repairedFrom", q.repairedFrom().orElse(null));
    }
    ObjectNode scrub = root.putObject("scrub");
    scrub.put("enabled", integrity.settings().scrubEnabled());
    scrub.put("bytesPerSecond", integrity.settings().scrubBytesPerSecond());
    scrub.put("objectsPerSecond", integrity.settings().scrubObjectsPerSecond());
    ObjectNode backends = scrub.putObject("backends");
    scrubs.forEach(
        (backend, p) -> {
          ObjectNode n = backends.putObject(backend);
          n.put("running", p.passStartedAt().isPresent());
          n.put("passStartedAt", time(p.passStartedAt()));
          n.put("lastPassCompletedAt", time(p.lastPassCompletedAt()));
          n.put("passesCompleted", p.passesCompleted());
          n.put("currentContainer", p.currentContainer().orElse(null));
          n.put("objectsThisPass", p.objectsThisPass());
          n.put("bytesThisPass", p.bytesThisPass());
          n.put("corruptThisPass", p.corruptThisPass());
          n.put("lastError", p.lastError().orElse(null));
        });
    return HttpResponse.create()
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, root.toPrettyString()));
  }

  private static String time(Optional<Instant> at) {
    return at.map(Instant::toString).orElse(null);
  }

  /** Prometheus lines of the integrity counters, for {@code GET /metrics}. */
  static void renderMetrics(StringBuilder sb, IntegrityLedger ledger) {
    IntegrityLedger.Counters c = ledger.counters();
    metric(
        sb, "reads_verified", "Whole-object reads checked against their ETag.", c.readsVerified());
    metric(
        sb,
        "read_mismatches",
        "Reads aborted because the bytes did not match.",
        c.readMismatches());
    metric(sb, "scrubbed_objects", "Objects read whole by the scrubber.", c.objectsScrubbed());
    metric(sb, "scrubbed_bytes", "Bytes read by the scrubber.", c.bytesScrubbed());
    metric(sb, "scrub_mismatches", "Corrupt copies found by the scrubber.", c.scrubMismatches());
    metric(sb, "scrub_errors", "Objects or listings the scrubber could not read.", c.scrubErrors());
    metric(sb, "quarantined", "Corrupt copies moved out of the namespace.", c.quarantined());
    metric(sb, "recorded_only", "Corrupt copies the backend cannot quarantine.", c.recordedOnly());
    metric(sb, "repaired", "Quarantined copies restored from another copy.", c.repaired());
    metric(
        sb,
        "repair_failures",
        "Repairs that found no good copy (tried again).",
        c.repairFailures());
  }

  private static void metric(StringBuilder sb, String name, String help, long value) {
    String full = "archipelago_integrity_" + name + "_total";
    sb.append("# HELP ").append(full).append(' ').append(help).append('\n');
    sb.append("# TYPE ").append(full).append(" counter\n");
    sb.append(full).append(' ').append(value).append('\n');
  }
}
