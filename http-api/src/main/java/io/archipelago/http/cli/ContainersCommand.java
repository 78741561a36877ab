package io.archipelago.http.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code archipelago admin containers}: where a container lives, its past, reconcile, migrate. */
@Command(
    name = "containers",
    mixinStandardHelpOptions = true,
    description = "Containers: show where one lives, its state at an instant, reconcile, migrate.",
    subcommands = {
      ContainersCommand.Show.class,
      ContainersCommand.History.class,
      ContainersCommand.Reconcile.class,
      ContainersCommand.Migrate.class
    })
final class ContainersCommand implements Callable<Integer> {

  @CommandLine.Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return AdminCli.USAGE;
  }

  /**
   * The container's admin view; exit {@link AdminCli#NOT_FOUND} when there is no such container.
   */
  static JsonNode show(AdminClient client, String[] path) {
    AdminClient.Answer answer = client.get(AdminCli.containerUrl(path));
    if (answer.status() == 404) {
      throw new AdminException(AdminCli.NOT_FOUND, "no container " + path[0] + "/" + path[1]);
    }
    return client.require(answer, "container " + path[0] + "/" + path[1]);
  }

  /** A Swift timestamp ({@code 1700000000.12345}) as an ISO-8601 instant; else as it is. */
  static String swiftTime(String text) {
    try {
      BigDecimal seconds = new BigDecimal(text);
      if (seconds.signum() <= 0) {
        return "-";
      }
      return Instant.ofEpochSecond(
              seconds.longValue(), seconds.remainder(BigDecimal.ONE).movePointRight(9).longValue())
          .toString();
    } catch (NumberFormatException | ArithmeticException e) {
      return text;
    }
  }

  static String replicas(JsonNode container) {
    List<String> replicas = new ArrayList<>();
    container.path("assignment").path("replicas").forEach(r -> replicas.add(r.asText()));
    return replicas.isEmpty() ? "-" : String.join(", ", replicas);
  }

  static void metadata(List<String[]> pairs, JsonNode metadata) {
    if (metadata.size() == 0) {
      pairs.add(new String[] {"metadata", "-"});
    }
    metadata
        .fields()
        .forEachRemaining(
            e -> pairs.add(new String[] {"metadata", e.getKey() + ": " + e.getValue().asText()}));
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Where a container lives, its state, size, metadata and replica sync lag.")
  static final class Show implements Callable<Integer> {
    @CommandLine.Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ACCOUNT/CONTAINER")
    String container;

    @Override
    public Integer call() {
      AdminCli admin = AdminCli.of(spec);
      String[] path = AdminCli.containerPath(container);
      JsonNode c = show(admin.client(), path);
      if (admin.json()) {
        admin.printJson(c);
        return AdminCli.OK;
      }
      JsonNode primary = c.path("primaryBackend");
      List<String[]> pairs = new ArrayList<>();
      pairs.add(
          new String[] {
            "container", c.path("account").asText() + "/" + c.path("container").asText()
          });
      pairs.add(new String[] {"state", c.path("state").asText()});
      pairs.add(new String[] {"policy", c.path("policy").asText()});
      pairs.add(
          new String[] {
            "primary",
            c.path("assignment").path("primary").asText()
                + (primary.isObject()
                    ? " ("
                        + primary.path("kind").asText()
                        + ", site "
                        + primary.path("site").asText()
                        + ", "
                        + primary.path("state").asText()
                        + ")"
                    : "")
          });
      pairs.add(new String[] {"replicas", replicas(c)});
      pairs.add(new String[] {"objects", String.format("%,d", c.path("objectCount").asLong())});
      pairs.add(
          new String[] {
            "bytes",
            Table.bytes(c.path("bytesUsed").asLong()) + " (" + c.path("bytesUsed").asLong() + ")"
          });
      pairs.add(new String[] {"created", swiftTime(c.path("createdAt").asText())});
      pairs.add(new String[] {"modified", swiftTime(c.path("modifiedAt").asText())});
      metadata(pairs, c.path("metadata"));
      Table.pairs(admin.out(), pairs);
      JsonNode sync = c.path("sync").path("replicas");
      if (sync.size() > 0) {
        admin.out().println();
        Table table =
            new Table(
                "REPLICA",
                "LAG-EVENTS>",
                "LAG-SECONDS>",
                "SYNCED-SEQ>",
                "FAILED>",
                "CONFLICTS>",
                "RECONCILE",
                "LAST-ERROR");
        sync.fields()
            .forEachRemaining(
                e -> {
                  JsonNode r = e.getValue();
                  table.row(
                      e.getKey(),
                      r.path("lagEvents").asLong(),
                      r.path("lagSeconds").asLong(),
                      r.path("syncedSeqNr").asLong(),
                      r.path("failedObjects").asLong(),
                      r.path("conflicts").asLong(),
                      r.path("needsReconcile").asBoolean() ? "needed" : "-",
                      r.path("lastError").isTextual() ? r.path("lastError").asText() : "-");
                });
        table.print(admin.out());
      }
      return AdminCli.OK;
    }
  }

  @Command(
      name = "history",
      mixinStandardHelpOptions = true,
      description = "A container's state at an instant, replayed from its events (audit).")
  static final class History implements Callable<Integer> {
    @CommandLine.Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ACCOUNT/CONTAINER")
    String container;

    @Option(
        names = "--at",
        required = true,
        paramLabel = "T",
        description = "ISO-8601 instant or Swift timestamp.")
    String at;

    @Override
    public Integer call() {
      AdminCli admin = AdminCli.of(spec);
      String[] path = AdminCli.containerPath(container);
      AdminClient client = admin.client();
      AdminClient.Answer answer =
          client.get(
              AdminCli.containerUrl(path)
                  + "/history?at="
                  + URLEncoder.encode(at, StandardCharsets.UTF_8));
      if (answer.status() == 404) {
        throw new AdminException(
            AdminCli.NOT_FOUND, "no events of container " + container + " (no such container)");
      }
      JsonNode h = client.require(answer, "history of " + container);
      if (admin.json()) {
        admin.printJson(h);
        return AdminCli.OK;
      }
      List<String[]> pairs = new ArrayList<>();
      pairs.add(new String[] {"container", container});
      pairs.add(new String[] {"at", h.path("at").asText()});
      pairs.add(new String[] {"state", h.path("state").asText()});
      pairs.add(new String[] {"policy", h.path("policy").asText()});
      pairs.add(new String[] {"primary", h.path("assignment").path("primary").asText()});
      pairs.add(new String[] {"replicas", replicas(h)});
      pairs.add(new String[] {"objects", String.format("%,d", h.path("objectCount").asLong())});
      pairs.add(
          new String[] {
            "bytes",
            Table.bytes(h.path("bytesUsed").asLong()) + " (" + h.path("bytesUsed").asLong() + ")"
          });
      JsonNode last = h.path("lastEvent");
      pairs.add(
          new String[] {
            "last event",
            last.isObject()
                ? "#"
                    + h.path("sequenceNr").asLong()
                    + " "
                    + last.path("type").asText()
                    + " at "
                    + last.path("at").asText()
                : "- (the container did not exist yet)"
          });
      metadata(pairs, h.path("metadata"));
      h.path("unreadableEvents")
          .forEach(
              u ->
                  pairs.add(
                      new String[] {
                        "unreadable",
                        "#"
                            + u.path("sequenceNr").asLong()
                            + " "
                            + u.path("type").asText()
                            + ": "
                            + u.path("reason").asText()
                      }));
      Table.pairs(admin.out(), pairs);
      return AdminCli.OK;
    }
  }

  @Command(
      name = "reconcile",
      mixinStandardHelpOptions = true,
      description = {
        "Compare a replicated container's replicas with its primary now and repair them.",
        "Exit 1 when a replica could not be fully repaired."
      })
  static final class Reconcile implements Callable<Integer> {
    @CommandLine.Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ACCOUNT/CONTAINER")
    String container;

    @Override
    public Integer call() {
      AdminCli admin = AdminCli.of(spec);
      String[] path = AdminCli.containerPath(container);
      AdminClient client = admin.client();
      AdminClient.Answer answer =
          client.post(
              AdminCli.containerUrl(path) + "/reconcile", AdminClient.JSON.createObjectNode());
      if (answer.status() == 404) {
        throw new AdminException(AdminCli.NOT_FOUND, "no container " + container);
      }
      JsonNode report = client.require(answer, "reconcile " + container);
      boolean failed = false;
      Table table =
          new Table(
              "REPLICA", "COMPARED>", "COPIED>", "DELETED>", "CONFLICTS>", "FAILED>", "ERROR");
      for (JsonNode r : report.path("replicas")) {
        failed |= r.path("failed").asLong() > 0 || r.hasNonNull("error");
        table.row(
            r.path("replica").asText(),
            r.path("compared").asLong(),
            r.path("copied").asLong(),
            r.path("deleted").asLong(),
            r.path("conflicts").asLong(),
            r.path("failed").asLong(),
            r.path("error").asText("-"));
      }
      if (admin.json()) {
        admin.printJson(report);
      } else if (table.isEmpty()) {
        admin.out().println(container + " has no replicas: nothing to reconcile");
      } else {
        table.print(admin.out());
      }
      return failed ? AdminCli.FAILED : AdminCli.OK;
    }
  }

  @Command(
      name = "migrate",
      mixinStandardHelpOptions = true,
      description = {
        "Move a container to another backend while it stays in use, with a live progress bar"
            + " (bytes, objects, rate, ETA). Ctrl-C detaches; the migration goes on.",
        "  migrate A/C --target ID    start (to a backend) and follow until it ends",
        "  migrate A/C --policy NAME  start (to where a placement policy puts it) and follow",
        "  ... --replica ID           move that replica of a replicated container, not its primary",
        "  ... --detach               start and return",
        "  migrate A/C --watch        follow a running migration",
        "  migrate A/C --status       print its progress once",
        "  migrate A/C --cancel       cancel it (before the cut-over: nothing changes)",
        "Exit 1 when the migration failed or was cancelled."
      })
  static final class Migrate implements Callable<Integer> {
    @CommandLine.Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ACCOUNT/CONTAINER")
    String container;

    @Option(names = "--target", paramLabel = "BACKEND", description = "The backend to move to.")
    String target;

    @Option(
        names = "--policy",
        paramLabel = "NAME",
        description = "Move to where this placement policy puts it.")
    String policy;

    @Option(
        names = "--replica",
        paramLabel = "BACKEND",
        description = "Move the container's replica on this backend instead of its primary.")
    String replica;

    @CommandLine.Mixin WatchOptions watch;

    @Override
    public Integer call() {
      AdminCli admin = AdminCli.of(spec);
      String[] path = AdminCli.containerPath(container);
      WatchOptions.Mode mode = watch.mode();
      boolean starts = mode == WatchOptions.Mode.START || mode == WatchOptions.Mode.DETACH;
      if (starts && (target == null) == (policy == null)) {
        throw new AdminException(
            AdminCli.USAGE,
            "migrate needs one of --target BACKEND or --policy NAME (or --watch, --status, --cancel)");
      }
      if (!starts && (target != null || policy != null || replica != null)) {
        throw new AdminException(
            AdminCli.USAGE, "--target, --policy and --replica only go with starting a migration");
      }
      AdminClient client = admin.client();
      // the container must exist: then a 404 of the migration resource means something else
      show(client, path);
      String what = "migration of " + container;
      String migration = AdminCli.containerUrl(path) + "/migration";
      String missing =
          "no migration of "
              + container
              + " (none was started, or this gateway predates the migration API)";
      JsonNode status;
      switch (mode) {
        case START, DETACH -> {
          ObjectNode body = AdminClient.JSON.createObjectNode();
          if (target != null) {
            body.put("target", target);
          } else {
            body.put("policy", policy);
          }
          if (replica != null) {
            body.put("replica", replica);
          }
          status =
              AdminClient.newEndpoint(
                  client.post(AdminCli.containerUrl(path) + "/migrate", body),
                  "start " + what,
                  null);
          if (mode == WatchOptions.Mode.DETACH) {
            report(
                admin,
                status,
                what
                    + " started; follow it with: archipelago admin containers migrate "
                    + container
                    + " --watch");
            return AdminCli.OK;
          }
        }
        case CANCEL -> {
          status = AdminClient.newEndpoint(client.delete(migration), "cancel " + what, missing);
          report(admin, status, what + " cancelled");
          return AdminCli.OK;
        }
        default -> status = AdminClient.newEndpoint(client.get(migration), what, missing);
      }
      if (mode == WatchOptions.Mode.STATUS) {
        report(admin, status, null);
        return AdminCli.OK;
      }
      if (!TransferWatch.MIGRATION_ENDS.contains(TransferWatch.MIGRATION.phase(status))) {
        if (!admin.json()) {
          admin.err().println("following the " + what + " (Ctrl-C detaches; it goes on)");
        }
        status =
            TransferWatch.follow(
                client,
                migration,
                what,
                "migrate " + container,
                TransferWatch.MIGRATION,
                TransferWatch.MIGRATION_ENDS,
                watch.bar(),
                watch.intervalMillis(),
                admin.err());
      }
      report(admin, status, null);
      return TransferWatch.MIGRATION.phase(status).equals("completed")
          ? AdminCli.OK
          : AdminCli.FAILED;
    }

    private static void report(AdminCli admin, JsonNode m, String headline) {
      if (admin.json()) {
        admin.printJson(m);
        return;
      }
      if (headline != null) {
        admin.out().println(headline);
      }
      List<String[]> pairs = new ArrayList<>();
      pairs.add(
          new String[] {
            "container", m.path("account").asText() + "/" + m.path("container").asText()
          });
      pairs.add(new String[] {"id", m.path("id").asText("-")});
      pairs.add(
          new String[] {
            "from", m.path("source").asText("-") + " to " + m.path("target").asText("-")
          });
      pairs.add(new String[] {"phase", m.path("phase").asText("?")});
      pairs.add(
          new String[] {
            "copied",
            String.format(
                "%s of %s, %,d of %,d objects",
                Table.bytes(m.path("bytesCopied").asLong(0)),
                Table.bytes(m.path("bytesTotal").asLong(-1)),
                m.path("objectsCopied").asLong(0),
                m.path("objectsTotal").asLong(0))
          });
      pairs.add(
          new String[] {
            "rate",
            m.has("bytesPerSecond") ? Table.bytes(m.path("bytesPerSecond").asLong()) + "/s" : "-"
          });
      pairs.add(new String[] {"eta", Table.duration(m.path("etaSeconds").asLong(-1))});
      pairs.add(
          new String[] {
            "started", m.path("startedAt").asText("-") + " by " + m.path("startedBy").asText("-")
          });
      pairs.add(new String[] {"updated", m.path("updatedAt").asText("-")});
      m.path("errors")
          .forEach(
              e -> pairs.add(new String[] {"error", e.isTextual() ? e.asText() : e.toString()}));
      Table.pairs(admin.out(), pairs);
    }
  }
}
