package io.archipelago.http.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * {@code archipelago admin audit}: the audit log of a running gateway (the journal tools that work
 * offline are {@code archipelago audit}, {@link AuditCli}).
 */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = {
      "The audit log of the running gateway.",
      "Offline tools on the journal (verify, replay, export): archipelago audit --help."
    },
    subcommands = {AdminAuditCommand.Tail.class})
final class AdminAuditCommand implements Callable<Integer> {

  @CommandLine.Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return AdminCli.USAGE;
  }

  @Command(
      name = "tail",
      mixinStandardHelpOptions = true,
      description = {
        "Follow the audit log from its end (or from --since / --next): one event a line, as"
            + " time, principal, event, entity and request id; with --json the log's own NDJSON.",
        "--no-follow prints the events there are (from the start, --since or --next) and ends."
      })
  static final class Tail implements Callable<Integer> {
    @CommandLine.Spec CommandSpec spec;

    @Option(names = "--account", paramLabel = "ACCOUNT")
    String account;

    @Option(names = "--container", paramLabel = "CONTAINER", description = "With --account.")
    String container;

    @Option(names = "--principal", paramLabel = "ACCOUNT:USER")
    String principal;

    @Option(names = "--type", paramLabel = "TYPES", description = "Event types, comma separated.")
    String type;

    @Option(names = "--since", paramLabel = "T", description = "ISO-8601 or Swift timestamp.")
    String since;

    @Option(names = "--next", paramLabel = "CURSOR", description = "Start after this cursor.")
    String next;

    @Option(
        names = "--follow",
        negatable = true,
        defaultValue = "true",
        fallbackValue = "true",
        description = "Keep following new events (default); --no-follow ends with the log.")
    boolean follow;

    @Option(
        names = {"--count", "-n"},
        paramLabel = "N",
        defaultValue = "0",
        description = "End after N events (0: no limit).")
    long count;

    @Override
    public Integer call() throws InterruptedException {
      AdminCli admin = AdminCli.of(spec);
      if (count < 0) {
        throw new AdminException(AdminCli.USAGE, "--count must not be negative");
      }
      if (container != null && account == null) {
        throw new AdminException(AdminCli.USAGE, "--container needs --account");
      }
      AuditTail tail =
          new AuditTail(
              admin.client(),
              new AuditTail.Filter(account, container, principal, type, since),
              next);
      PrintWriter out = admin.out();
      if (!admin.json()) {
        out.printf(
            "%-24s  %-16s  %-22s  %-40s  %s%n", "AT", "PRINCIPAL", "EVENT", "ENTITY", "REQUEST");
        out.flush();
      }
      if (follow) {
        tail.follow(line -> print(admin, line), count);
      } else {
        tail.range(line -> print(admin, line), count);
      }
      return AdminCli.OK;
    }

    private static void print(AdminCli admin, String line) {
      PrintWriter out = admin.out();
      if (admin.json()) {
        out.println(line);
        out.flush();
        return;
      }
      try {
        JsonNode n = AdminClient.JSON.readTree(line);
        if (n.has("next") && !n.has("ordering")) {
          out.println("(more: --next " + n.path("next").asText() + ")");
        } else {
          out.printf(
              "%-24s  %-16s  %-22s  %-40s  %s%n",
              n.path("at").asText("-"),
              n.path("principal").asText("-"),
              n.path("type").asText("-"),
              n.path("entity").asText("") + " " + n.path("entityId").asText(""),
              n.path("requestId").asText("-"));
        }
      } catch (IOException e) {
        out.println(line);
      }
      out.flush();
    }
  }
}
