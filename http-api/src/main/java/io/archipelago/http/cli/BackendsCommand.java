package io.archipelago.http.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.StreamSupport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code archipelago admin backends}: the backend registry, and draining a backend. */
@Command(
    name = "backends",
    mixinStandardHelpOptions = true,
    description = "The storage backends: list, add, change state, drain, remove.",
    subcommands = {
      BackendsCommand.ListBackends.class,
      BackendsCommand.Add.class,
      BackendsCommand.State.class,
      BackendsCommand.Drain.class,
      BackendsCommand.Remove.class
    })
final class BackendsCommand implements Callable<Integer> {

  @CommandLine.Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return AdminCli.USAGE;
  }

  static JsonNode list(AdminClient client) {
    return client.require(client.get("/admin/backends"), "GET /admin/backends");
  }

  static boolean exists(JsonNode backends, String id) {
    return StreamSupport.stream(backends.path("backends").spliterator(), false)
        .anyMatch(b -> b.path("id").asText().equals(id));
  }

  /** The backend must be registered: else exit {@link AdminCli#NOT_FOUND}. */
  static void requireBackend(AdminClient client, String id) {
    if (!exists(list(client), id)) {
      throw new AdminException(AdminCli.NOT_FOUND, "no backend '" + id + "'");
    }
  }

  static String path(String id) {
    return "/admin/backends/" + AdminClient.segment(id);
  }

  /** The registry as a table, or as the admin API's JSON. */
  static void print(AdminCli admin, JsonNode backends) {
    if (admin.json()) {
      admin.printJson(backends);
      return;
    }
    Table table = new Table("ID", "KIND", "TIERS", "SITE", "STATE", "QUOTA>", "USED>", "TOTAL>");
    for (JsonNode b : backends.path("backends")) {
      List<String> tiers = new ArrayList<>();
      b.path("tiers").forEach(t -> tiers.add(t.asText()));
      long quota = b.path("configuredCapacity").asLong(0);
      table.row(
          b.path("id").asText(),
          b.path("kind").asText(),
          String.join(",", tiers),
          b.path("site").asText(),
          b.path("state").asText(),
          quota > 0 ? Table.bytes(quota) : "-",
          Table.bytes(b.path("usedBytes").asLong(-1)),
          Table.bytes(b.path("totalBytes").asLong(-1)));
    }
    table.print(admin.out());
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List the backends: kind, tiers, site, state, capacity.")
  static final class ListBackends implements Callable<Integer> {
    @CommandLine.Spec CommandSpec spec;

    @Override
    public Integer call() {
      AdminCli admin = AdminCli.of(spec);
      print(admin, list(admin.client()));
      return AdminCli.OK;
    }
  }

  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description = {
        "Register a backend (the gateway checks it first: tiers a policy uses, the driver's settings).",
        "Example: admin backends add fs2 --kind filesystem --tier archive --setting root=backends/fs2"
      })
  static final class Add implements Callable<Integer> {
    @CommandLine.Spec CommandSpec spec;

    @Parameters(
        index = "0",
        paramLabel = "ID",
        description = "1-64 letters, digits, '.', '_', '-'.")
    String id;

    @Option(
        names = "--kind",
        required = true,
        paramLabel = "KIND",
        description = "filesystem, swift or s3.")
    String kind;

    @Option(
        names = "--tier",
        required = true,
        split = ",",
        paramLabel = "TIER",
        description = "A tier it offers (repeat, or comma separated).")
    List<String> tiers;

    @Option(names = "--site", paramLabel = "SITE", description = "Its site (default: default).")
    String site;

    @Option(
        names = "--capacity",
        paramLabel = "BYTES",
        description = "A capacity quota in bytes (default: none).")
    Long capacity;

    @Option(
        names = "--setting",
        paramLabel = "KEY=VALUE",
        description = "A driver setting (repeat), e.g. root=backends/fs2, auth-url=..., bucket=...")
    Map<String, String> settings = new LinkedHashMap<>();

    @Override
    public Integer call() {
      AdminCli admin = AdminCli.of(spec);
      AdminClient client = admin.client();
      if (exists(list(client), id)) {
        throw new AdminException(AdminCli.CONFLICT, "backend '" + id + "' already exists");
      }
      ObjectNode body = AdminClient.JSON.createObjectNode();
      body.put("id", id);
      body.put("kind", kind);
      ArrayNode tierList = body.putArray("tiers");
      tiers.forEach(tierList::add);
      if (site != null) {
        body.put("site", site);
      }
      if (capacity != null) {
        body.put("capacity", capacity);
      }
      ObjectNode s = body.putObject("settings");
      settings.forEach(s::put);
      JsonNode backends =
          client.require(client.post("/admin/backends", body), "add backend '" + id + "'");
      if (!admin.json()) {
        admin.out().println("backend " + id + " added");
      }
      print(admin, backends);
      return AdminCli.OK;
    }
  }

  @Command(
      name = "state",
      mixinStandardHelpOptions = true,
      description = {
        "Set a backend's state: active (takes new containers), draining (takes none; keeps"
            + " serving its own), down (known unreachable).",
        "'draining' only marks it; 'backends drain' also moves its containers away."
      })
  static final class State implements Callable<Integer> {
    @CommandLine.Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID")
    String id;

    @Parameters(index = "1", paramLabel = "STATE", description = "active, draining or down.")
    String state;

    @Override
    public Integer call() {
      AdminCli admin = AdminCli.of(spec);
      String wanted = state.toLowerCase(Locale.ROOT);
      if (!List.of("active", "draining", "down").contains(wanted)) {
        throw new AdminException(
            AdminCli.USAGE, "state must be active, draining or down, not '" + state + "'");
      }
      AdminClient client = admin.client();
      requireBackend(client, id);
      ObjectNode body = AdminClient.JSON.createObjectNode().put("state", wanted);
      JsonNode backends =
          client.require(
              client.post(path(id) + "/state", body), "set state of backend '" + id + "'");
      if (!admin.json()) {
        admin.out().println("backend " + id + " is " + wanted);
      }
      print(admin, backends);
      return AdminCli.OK;
    }
  }

  @Command(
      name = "remove",
      mixinStandardHelpOptions = true,
      description = "Remove a backend from the registry.")
  static final class Remove implements Callable<Integer> {
    @CommandLine.Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID")
    String id;

    @Override
    public Integer call() {
      AdminCli admin = AdminCli.of(spec);
      AdminClient client = admin.client();
      requireBackend(client, id);
      JsonNode backends = client.require(client.delete(path(id)), "remove backend '" + id + "'");
      if (!admin.json()) {
        admin.out().println("backend " + id + " removed");
      }
      print(admin, backends);
      return AdminCli.OK;
    }
  }

  @Command(
      name = "drain",
      mixinStandardHelpOptions = true,
      description = {
        "Drain a backend: migrate all of its containers to other backends, with a live progress"
            + " bar (containers, bytes left, rate, ETA). Ctrl-C detaches; the drain goes on.",
        "  drain ID            start and follow until drained",
        "  drain ID --detach   start and return",
        "  drain ID --watch    follow a running drain",
        "  drain ID --status   print its progress once",
        "  drain ID --pause    start no new container moves (running ones finish)",
        "  drain ID --resume   go on after a pause",
        "  drain ID --retry [ACCOUNT/CONTAINER...]   move failed containers again (all by default)",
        "  drain ID --cancel   cancel it: running moves cancelled, the backend active again"
      })
  static final class Drain implements Callable<Integer> {
    @CommandLine.Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID")
    String id;

    @CommandLine.Mixin WatchOptions watch;

    @Option(names = "--pause", description = "Pause it: no new container moves start.")
    boolean pause;

    @Option(names = "--resume", description = "Resume a paused drain.")
    boolean resume;

    @Option(
        names = "--retry",
        arity = "0..*",
        paramLabel = "ACCOUNT/CONTAINER",
        description = "Move failed containers again: those named, or all of them.")
    List<String> retry;

    @Option(
        names = "--concurrency",
        paramLabel = "N",
        description = "Containers moved at once (default: the gateway's).")
    Integer concurrency;

    @Override
    public Integer call() {
      AdminCli admin = AdminCli.of(spec);
      AdminClient client = admin.client();
      String what = "drain of backend '" + id + "'";
      WatchOptions.Mode mode = watch.mode();
      int actions = (pause ? 1 : 0) + (resume ? 1 : 0) + (retry != null ? 1 : 0);
      if (actions > 1 || (actions == 1 && mode != WatchOptions.Mode.START)) {
        throw new AdminException(
            AdminCli.USAGE,
            "--pause, --resume, --retry, --detach, --watch, --status and --cancel exclude each"
                + " other");
      }
      if (concurrency != null && (concurrency < 1 || concurrency > 256)) {
        throw new AdminException(AdminCli.USAGE, "--concurrency must be between 1 and 256");
      }
      requireBackend(client, id);
      String drain = path(id) + "/drain";
      String missing =
          "no drain of backend '"
              + id
              + "' (none was started, or this gateway predates the drain API)";
      if (actions == 1) {
        String action = pause ? "pause" : resume ? "resume" : "retry";
        ObjectNode body = AdminClient.JSON.createObjectNode();
        if (retry != null && !retry.isEmpty()) {
          ArrayNode names = body.putArray("containers");
          retry.forEach(names::add);
        }
        JsonNode status =
            AdminClient.newEndpoint(
                client.post(drain + "/" + action, body), action + " " + what, missing);
        report(
            admin,
            status,
            "drain of "
                + id
                + (pause ? " paused" : resume ? " resumed" : ": failed containers queued again"));
        return AdminCli.OK;
      }
      JsonNode status;
      switch (mode) {
        case START, DETACH -> {
          ObjectNode body = AdminClient.JSON.createObjectNode();
          if (concurrency != null) {
            body.put("concurrency", concurrency);
          }
          AdminClient.Answer started = client.post(drain, body);
          status = AdminClient.newEndpoint(started, "start " + what, null);
          if (mode == WatchOptions.Mode.DETACH) {
            report(
                admin,
                status,
                "drain of "
                    + id
                    + " started; follow it with: archipelago admin backends drain "
                    + id
                    + " --watch");
            return AdminCli.OK;
          }
        }
        case CANCEL -> {
          status = AdminClient.newEndpoint(client.delete(drain), "cancel " + what, missing);
          report(admin, status, "drain of " + id + " cancelled");
          return AdminCli.OK;
        }
        default -> status = AdminClient.newEndpoint(client.get(drain), what, missing);
      }
      if (mode == WatchOptions.Mode.STATUS) {
        report(admin, status, null);
        return AdminCli.OK;
      }
      if (!TransferWatch.DRAIN_ENDS.contains(TransferWatch.DRAIN.phase(status))) {
        if (!admin.json()) {
          admin.err().println("following the drain of " + id + " (Ctrl-C detaches; it goes on)");
        }
        status =
            TransferWatch.follow(
                client,
                drain,
                what,
                "drain " + id,
                TransferWatch.DRAIN,
                TransferWatch.DRAIN_ENDS,
                watch.bar(),
                watch.intervalMillis(),
                admin.err());
      }
      report(admin, status, null);
      String state = TransferWatch.DRAIN.phase(status);
      return state.equals("drained") && status.path("containersFailed").size() == 0
          ? AdminCli.OK
          : AdminCli.FAILED;
    }

    private void report(AdminCli admin, JsonNode status, String headline) {
      if (admin.json()) {
        admin.printJson(status);
        return;
      }
      if (headline != null) {
        admin.out().println(headline);
      }
      List<String[]> pairs = new ArrayList<>();
      pairs.add(new String[] {"backend", status.path("backend").asText(id)});
      pairs.add(new String[] {"state", status.path("state").asText("?")});
      pairs.add(
          new String[] {
            "containers",
            status.path("containersDone").asLong(0)
                + " of "
                + status.path("containersTotal").asLong(0)
                + " moved"
          });
      pairs.add(new String[] {"bytes left", Table.bytes(status.path("bytesLeft").asLong(-1))});
      pairs.add(new String[] {"eta", Table.duration(status.path("etaSeconds").asLong(-1))});
      List<String> failed = new ArrayList<>();
      status
          .path("containersFailed")
          .forEach(f -> failed.add(f.isTextual() ? f.asText() : f.toString()));
      // the gateway says why each failed, with the container's name
      if (status.path("failures").size() == failed.size()) {
        failed.clear();
        status
            .path("failures")
            .forEach(
                f ->
                    failed.add(
                        f.path("account").asText()
                            + "/"
                            + f.path("container").asText()
                            + " ("
                            + f.path("error").asText()
                            + ")"));
      }
      pairs.add(new String[] {"failed", failed.isEmpty() ? "none" : String.join(", ", failed)});
      Table.pairs(admin.out(), pairs);
    }
  }
}
