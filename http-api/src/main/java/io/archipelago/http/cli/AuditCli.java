package io.archipelago.http.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import io.archipelago.engine.audit.AuditTime;
import io.archipelago.engine.container.ContainerHistory;
import io.archipelago.http.admin.AuditController;
import io.archipelago.persistence.DatabaseSettings;
import io.archipelago.persistence.JournalDialect;
import io.archipelago.persistence.audit.AuditExport;
import io.archipelago.persistence.audit.AuditMapper;
import io.archipelago.persistence.audit.ChainVerifier;
import io.archipelago.persistence.audit.JournalReader;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code archipelago audit}: the audit tools. {@code verify}, {@code replay} and {@code export}
 * read the journal tables directly with the database of application.conf, so they work while the
 * gateways are stopped (with the embedded H2 journal they must be: H2 lets one process open it).
 * {@code tail} follows a running gateway's audit log over its admin API.
 *
 * <p>Exit codes: 0 fine, 1 the chain is broken (verify; replay unless --allow-broken-chain), 2 bad
 * usage or the journal cannot be read.
 */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description =
        "Audit log tools: verify the hash chains, replay a container, export old events, tail.",
    subcommands = {
      AuditCli.Verify.class,
      AuditCli.Replay.class,
      AuditCli.Export.class,
      AuditCli.Tail.class
    })
public final class AuditCli implements Callable<Integer> {

  static final int OK = 0;
  static final int DAMAGED = 1;
  static final int FAILED = 2;

  private final Config config;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private AuditCli(Config config) {
    this.config = config;
  }

  /** Runs the command line; returns its exit code. */
  public static int run(Config config, PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new AuditCli(config));
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parsed) -> {
          err.println("archipelago audit: " + e.getMessage());
          err.flush();
          return FAILED;
        });
    int code = cli.execute(args);
    out.flush();
    err.flush();
    return code == CommandLine.ExitCode.USAGE ? FAILED : code;
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return FAILED;
  }

  static boolean showProgress(Boolean option) {
    return option != null ? option : System.console() != null;
  }

  DatabaseSettings database() {
    DatabaseSettings s = DatabaseSettings.fromConfig(config);
    if (s.dialect() == JournalDialect.H2
        && !s.url().toUpperCase(Locale.ROOT).contains("IFEXISTS")) {
      // A tool must not create an empty journal where it expected one.
      s = new DatabaseSettings(s.dialect(), s.url() + ";IFEXISTS=TRUE", s.user(), s.password());
    }
    return s;
  }

  JournalReader open() throws SQLException {
    DatabaseSettings s = database();
    try {
      return JournalReader.open(s);
    } catch (SQLException e) {
      String m = String.valueOf(e.getMessage());
      if (s.dialect() == JournalDialect.H2 && m.contains("already in use")) {
        throw new SQLException(
            "the H2 journal "
                + s.url()
                + " is open in a running gateway; stop it first"
                + " (H2 lets one process open the file), or use PostgreSQL",
            e);
      }
      if (s.dialect() == JournalDialect.H2 && m.contains("not found")) {
        throw new SQLException(
            "no H2 journal at " + s.url() + " (is archipelago.data-dir right?)", e);
      }
      throw e;
    }
  }

  /** {@code audit verify}: checks every hash chain; exit 1 and the first broken link on damage. */
  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description = "Check every entity's hash chain in the journal (works offline).")
  static final class Verify implements Callable<Integer> {
    @ParentCommand AuditCli parent;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--export",
        paramLabel = "FILE",
        description =
            "An export made by 'audit export --delete' that vouches for removed events; repeat in export order.")
    List<Path> exports = new ArrayList<>();

    @Option(
        names = "--progress",
        negatable = true,
        description = "Show a progress bar on stderr (default: when it is a terminal).")
    Boolean progress;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      ChainVerifier verifier = new ChainVerifier();
      for (Path export : exports) {
        verifier.addExport(export);
      }
      try (JournalReader reader = parent.open()) {
        ProgressBar bar =
            new ProgressBar(
                spec.commandLine().getErr(),
                "verify",
                reader.countEvents(),
                showProgress(progress));
        long started = System.nanoTime();
        ChainVerifier.Report report = verifier.verify(reader, bar::update);
        bar.done();
        double seconds = (System.nanoTime() - started) / 1e9;
        out.printf(
            "%d events of %d entities checked in %.1f s (%.0f events/s)%n",
            report.events(), report.entities(), seconds, report.events() / Math.max(seconds, 1e-9));
        if (report.legacyEvents() > 0) {
          out.printf("%d events predate the hash chain (not chained)%n", report.legacyEvents());
        }
        if (report.anchoredEntities() > 0) {
          out.printf("%d entities continue from an export%n", report.anchoredEntities());
        }
        if (!report.headsRecorded()) {
          out.println(
              "no chain heads recorded (no gateway of this version has opened this journal yet):"
                  + " removed newest events cannot be detected");
        }
        if (report.intact()) {
          out.println("audit chain intact");
          return OK;
        }
        ChainVerifier.Break first = report.firstBreak().orElseThrow();
        out.printf(
            "AUDIT CHAIN BROKEN: %d problem(s); first at %s seq %d: %s%n",
            report.breakCount(), first.persistenceId(), first.sequenceNr(), first.reason());
        report.breaks().stream().skip(1).forEach(b -> out.println("  also " + b));
        return DAMAGED;
      }
    }
  }

  /** {@code audit replay}: a container's state at an instant. */
  @Command(
      name = "replay",
      mixinStandardHelpOptions = true,
      description = "Replay a container's events up to an instant and print its state then (JSON).")
  static final class Replay implements Callable<Integer> {
    @ParentCommand AuditCli parent;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--container", required = true, paramLabel = "ACCOUNT/CONTAINER")
    String container;

    @Option(
        names = "--at",
        paramLabel = "T",
        description = "ISO-8601 instant or Swift timestamp (default: now).")
    String at;

    @Option(
        names = "--allow-broken-chain",
        description = "Replay even if the container's hash chain is broken (with a warning).")
    boolean allowBrokenChain;

    @Override
    public Integer call() throws Exception {
      int slash = container.indexOf('/');
      if (slash <= 0 || slash == container.length() - 1) {
        throw new IllegalArgumentException("--container must be account/container");
      }
      Instant instant = at == null ? Instant.now() : AuditTime.parse(at);
      ObjectMapper mapper = AuditMapper.create(parent.config);
      PrintWriter err = spec.commandLine().getErr();
      try (JournalReader reader = parent.open()) {
        // A replay shows what the events say; if they were altered or cut, that is not what
        // happened.
        String pid =
            ContainerHistory.persistenceId(
                container.substring(0, slash), container.substring(slash + 1));
        ChainVerifier.Report chain = new ChainVerifier().verifyEntity(reader, pid);
        if (!chain.intact()) {
          ChainVerifier.Break first = chain.firstBreak().orElseThrow();
          if (!allowBrokenChain) {
            err.printf(
                "archipelago audit: AUDIT CHAIN BROKEN at %s seq %d: %s; not replaying"
                    + " (--allow-broken-chain replays anyway)%n",
                first.persistenceId(), first.sequenceNr(), first.reason());
            return DAMAGED;
          }
          err.printf(
              "WARNING: AUDIT CHAIN BROKEN at %s seq %d: %s (%d problem(s)); replaying anyway,"
                  + " the state shown may not be what happened%n",
              first.persistenceId(), first.sequenceNr(), first.reason(), chain.breakCount());
        }
        long started = System.nanoTime();
        ContainerHistory.PointInTime p =
            ContainerHistory.replay(
                reader,
                mapper,
                container.substring(0, slash),
                container.substring(slash + 1),
                instant);
        double seconds = (System.nanoTime() - started) / 1e9;
        if (p.eventsRead() == 0) {
          err.println("archipelago audit: no events for container " + container);
          return FAILED;
        }
        for (ContainerHistory.Unreadable u : p.unreadable()) {
          spec.commandLine()
              .getErr()
              .printf(
                  "archipelago audit: event %d (%s) cannot be read and was left out%s: %s%n",
                  u.sequenceNr(),
                  u.type(),
                  u.skipped() ? " (an operator skipped it)" : "",
                  u.reason());
        }
        spec.commandLine()
            .getOut()
            .println(AuditController.historyJson(p, instant).toPrettyString());
        err.printf("%d events read in %.2f s%n", p.eventsRead(), seconds);
        return OK;
      }
    }
  }

  /** {@code audit export}: write old events to a file, and optionally delete them. */
  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description = {
        "Export events accepted before T that snapshots make unnecessary for recovery,"
            + " as NDJSON with their stored bytes; with --delete, remove them from the journal afterwards.",
        "Keep the file: 'audit verify --export FILE' needs it to vouch for the removed events."
      })
  static final class Export implements Callable<Integer> {
    @ParentCommand AuditCli parent;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--before", required = true, paramLabel = "T")
    String before;

    @Option(names = "--out", required = true, paramLabel = "FILE")
    Path out;

    @Option(
        names = "--delete",
        description = "Delete the exported events once the file is on disk.")
    boolean delete;

    @Option(
        names = "--progress",
        negatable = true,
        description = "Show a progress bar on stderr (default: when it is a terminal).")
    Boolean progress;

    @Override
    public Integer call() throws Exception {
      if (Files.exists(out)) {
        throw new IllegalArgumentException(out + " exists; exports never overwrite");
      }
      try (JournalReader reader = parent.open()) {
        ProgressBar bar =
            new ProgressBar(
                spec.commandLine().getErr(),
                "export",
                reader.countEvents(),
                showProgress(progress));
        AuditExport.Result r =
            AuditExport.run(reader, AuditTime.parse(before), out, delete, bar::update);
        bar.done();
        spec.commandLine()
            .getOut()
            .printf(
                "%d events of %d entities exported to %s%s%n",
                r.events(),
                r.entities(),
                out,
                delete ? "; " + r.deleted() + " deleted from the journal" : "");
        return OK;
      }
    }
  }

  /** {@code audit tail}: follow a running gateway's audit log. */
  @Command(
      name = "tail",
      mixinStandardHelpOptions = true,
      description = "Follow the audit log of a running gateway (admin API), one JSON event a line.")
  static final class Tail implements Callable<Integer> {
    @ParentCommand AuditCli parent;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--url", description = "Gateway base URL (default: from archipelago.http).")
    String url;

    @Option(names = "--user", defaultValue = "${env:ARCHIPELAGO_ADMIN_USER:-admin:admin}")
    String user;

    @Option(names = "--key", defaultValue = "${env:ARCHIPELAGO_ADMIN_KEY:-admin}")
    String key;

    @Option(names = "--account")
    String account;

    @Option(names = "--container")
    String container;

    @Option(names = "--principal")
    String principal;

    @Option(names = "--type", description = "Event types, comma separated.")
    String type;

    @Option(
        names = "--next",
        description = "Start after this cursor instead of at the end of the log.")
    String next;

    @Override
    public Integer call() throws Exception {
      String base = url != null ? url : AdminCli.configuredUrl(parent.config);
      PrintWriter out = spec.commandLine().getOut();
      AuditTail tail =
          new AuditTail(
              new AdminClient(base, user, key, Duration.ofSeconds(10)),
              new AuditTail.Filter(account, container, principal, type, null),
              next);
      tail.follow(
          line -> {
            out.println(line);
            out.flush();
          },
          0);
      return OK;
    }
  }
}
