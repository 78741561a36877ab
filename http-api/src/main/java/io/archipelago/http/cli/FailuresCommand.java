package io.archipelago.http.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code archipelago admin failures list|retry|retry-all}: the copies that failed (a replica's
 * sync, a running migration's copy) and their retries, as the console's Failures view has them.
 */
@Command(
    name = "failures",
    mixinStandardHelpOptions = true,
    description = "Failed sync and migration copies, and their retries.",
    subcommands = {
      FailuresCommand.ListFailures.class,
      FailuresCommand.Retry.class,
      FailuresCommand.RetryAll.class
    })
final class FailuresCommand {

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "Replicas with failed copies or a last error (GET /admin/sync), and the objects running"
            + " migrations could not copy (GET /admin/migrations/failures).",
        "--json: {\"sync\": [replicas], \"migrations\": [failures]}."
      })
  static final class ListFailures implements Callable<Integer> {
    @CommandLine.Spec CommandSpec spec;

    @Override
    public Integer call() {
      AdminCli admin = AdminCli.of(spec);
      AdminClient client = admin.client();
      JsonNode sync = client.require(client.get("/admin/sync"), "sync status");
      JsonNode moves =
          AdminClient.newEndpoint(
              client.get("/admin/migrations/failures"), "failed migration copies", null);
      ArrayNode replicas = AdminClient.JSON.createArrayNode();
      for (JsonNode r : sync.path("replicas")) {
        if (r.path("failedObjects").asLong() > 0
            || r.hasNonNull("lastError")
            || r.path("needsReconcile").asBoolean()) {
          replicas.add(r);
        }
      }
      if (admin.json()) {
        ObjectNode root = AdminClient.JSON.createObjectNode();
        root.set("sync", replicas);
        root.set("migrations", moves.path("failures"));
        admin.printJson(root);
        return AdminCli.OK;
      }
      Table syncTable =
          new Table("CONTAINER", "PRIMARY", "REPLICA", "FAILED>", "LAG S>", "LAST ERROR");
      for (JsonNode r : replicas) {
        syncTable.row(
            r.path("account").asText() + "/" + r.path("container").asText(),
            r.path("primary").asText(),
            r.path("replica").asText(),
            r.path("failedObjects").asLong(),
            String.format(Locale.ROOT, "%.1f", r.path("lagSeconds").asDouble()),
            r.path("lastError").asText("-"));
      }
      admin.out().println("sync copies:");
      if (syncTable.isEmpty()) {
        admin.out().println("  none");
      } else {
        syncTable.print(admin.out());
      }
      Table moveTable = new Table("CONTAINER", "OBJECT", "FROM", "TO", "ERROR", "AT");
      for (JsonNode f : moves.path("failures")) {
        moveTable.row(
            f.path("account").asText() + "/" + f.path("container").asText(),
            f.path("object").asText(),
            f.path("source").asText(),
            f.path("target").asText(),
            f.path("error").asText(),
            f.path("at").asText());
      }
      admin.out().println("migration copies:");
      if (moveTable.isEmpty()) {
        admin.out().println("  none");
      } else {
        moveTable.print(admin.out());
      }
      admin.out().flush();
      return AdminCli.OK;
    }
  }

  @Command(
      name = "retry",
      mixinStandardHelpOptions = true,
      description = {
        "Copy a running migration's failed objects of a container again now (only OBJECT when"
            + " given). A replica's failed sync copies: admin containers reconcile.",
        "Exit 1 when a copy failed again."
      })
  static final class Retry implements Callable<Integer> {
    @CommandLine.Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ACCOUNT/CONTAINER")
    String container;

    @Parameters(index = "1", arity = "0..1", paramLabel = "OBJECT")
    String object;

    @Override
    public Integer call() {
      AdminCli admin = AdminCli.of(spec);
      String[] path = AdminCli.containerPath(container);
      ObjectNode body =
          AdminClient.JSON.createObjectNode().put("account", path[0]).put("container", path[1]);
      if (object != null) {
        body.put("object", object);
      }
      AdminClient client = admin.client();
      JsonNode report =
          client.require(
              client.post("/admin/migrations/failures/retry", body),
              "retry of " + container + "'s failed copies");
      return retried(admin, report);
    }
  }

  @Command(
      name = "retry-all",
      mixinStandardHelpOptions = true,
      description = {
        "Retry every failed copy: reconcile every replica with failed sync copies (POST"
            + " /admin/sync/failures/retry-all) and copy every failed object of the running"
            + " migrations again (POST /admin/migrations/failures/retry-all).",
        "Exit 1 when something still fails."
      })
  static final class RetryAll implements Callable<Integer> {
    @CommandLine.Spec CommandSpec spec;

    @Option(names = "--sync", description = "Only the sync copies.")
    boolean syncOnly;

    @Option(names = "--migrations", description = "Only the migration copies.")
    boolean migrationsOnly;

    @Override
    public Integer call() {
      AdminCli admin = AdminCli.of(spec);
      AdminClient client = admin.client();
      boolean sync = syncOnly || !migrationsOnly;
      boolean moves = migrationsOnly || !syncOnly;
      ObjectNode root = AdminClient.JSON.createObjectNode();
      boolean failed = false;
      if (sync) {
        JsonNode report =
            AdminClient.newEndpoint(
                client.post("/admin/sync/failures/retry-all", AdminClient.JSON.createObjectNode()),
                "retry of failed sync copies",
                null);
        root.set("sync", report);
        failed |= report.path("failed").asInt() > 0;
        if (!admin.json()) {
          admin
              .out()
              .println(
                  "sync: reconciled "
                      + report.path("retried").asInt()
                      + " container(s), "
                      + report.path("failed").asInt()
                      + " still failing");
        }
      }
      if (moves) {
        JsonNode report =
            AdminClient.newEndpoint(
                client.post(
                    "/admin/migrations/failures/retry-all", AdminClient.JSON.createObjectNode()),
                "retry of failed migration copies",
                null);
        root.set("migrations", report);
        failed |= report.path("failed").asInt() > 0;
        if (!admin.json()) {
          admin.out().print("migrations: ");
          retried(admin, report);
        }
      }
      if (admin.json()) {
        admin.printJson(root);
      }
      admin.out().flush();
      return failed ? AdminCli.FAILED : AdminCli.OK;
    }
  }

  /** Prints a migration retry's report (a line and the objects that failed again). */
  private static int retried(AdminCli admin, JsonNode report) {
    int failed = report.path("failed").asInt();
    if (admin.json()) {
      admin.printJson(report);
    } else {
      admin
          .out()
          .println(
              "copied "
                  + report.path("repaired").asInt()
                  + " object(s) again, "
                  + failed
                  + " failed");
      for (JsonNode r : report.path("retried")) {
        if (!r.path("ok").asBoolean()) {
          admin
              .out()
              .println(
                  "  "
                      + r.path("account").asText()
                      + "/"
                      + r.path("container").asText()
                      + " "
                      + r.path("object").asText()
                      + ": "
                      + r.path("error").asText());
        }
      }
    }
    admin.out().flush();
    return failed > 0 ? AdminCli.FAILED : AdminCli.OK;
  }
}
