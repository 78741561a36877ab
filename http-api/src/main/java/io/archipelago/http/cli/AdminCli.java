package io.archipelago.http.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code archipelago admin}: the operators' command line over a running gateway's admin API (HTTP
 * only, never the journal): backends, containers, cluster members, the audit log. It logs in
 * through TempAuth ({@code /auth/v1.0}) as a {@code .reseller_admin} user. Tables for people by
 * default, {@code --json} for scripts, and exit codes scripts can rely on ({@link #EXIT_CODES}).
 */
@Command(
    name = "admin",
    mixinStandardHelpOptions = true,
    description = {
      "Operate a running gateway through its admin API: backends, containers, cluster, audit.",
      "Credentials: --user/--key or ARCHIPELAGO_USER/ARCHIPELAGO_KEY (a .reseller_admin user;"
          + " the demo one is admin:admin / admin); gateway: --url or ARCHIPELAGO_URL."
    },
    subcommands = {
      BackendsCommand.class,
      ContainersCommand.class,
      ClusterCommand.class,
      AdminAuditCommand.class,
      PlacementCommand.class,
      RebalanceCommand.class,
      FailuresCommand.class
    })
public final class AdminCli implements Callable<Integer> {

  static final int OK = 0;

  /** The command ran, but what it did ended badly (a failed or cancelled migration or drain). */
  static final int FAILED = 1;

  static final int USAGE = 2;
  static final int AUTH_REFUSED = 3;
  static final int NOT_FOUND = 4;
  static final int CONFLICT = 5;

  /** The gateway is older than the command: it does not know the endpoint (404/405). */
  static final int UNSUPPORTED = 6;

  static final int UNAVAILABLE = 7;

  /** Exit codes as the help of every command lists them (and the README). */
  static final Map<String, String> EXIT_CODES = exitCodes();

  private static Map<String, String> exitCodes() {
    Map<String, String> codes = new LinkedHashMap<>();
    codes.put(OK + "", "done");
    codes.put(
        FAILED + "",
        "done, but the operation ended badly (migration or drain failed or cancelled,"
            + " reconcile with failures)");
    codes.put(USAGE + "", "bad arguments, or the gateway refused the request as bad (HTTP 400)");
    codes.put(AUTH_REFUSED + "", "credentials refused, or the user is no .reseller_admin");
    codes.put(NOT_FOUND + "", "no such container, backend, member, migration or drain");
    codes.put(CONFLICT + "", "conflict (already exists, already running; HTTP 409)");
    codes.put(UNSUPPORTED + "", "this gateway is too old for the command (HTTP 404/405)");
    codes.put(UNAVAILABLE + "", "gateway unreachable, timed out or failing (HTTP 5xx)");
    return codes;
  }

  @Option(
      names = "--url",
      scope = ScopeType.INHERIT,
      paramLabel = "URL",
      description =
          "Gateway base URL (env ARCHIPELAGO_URL; else where archipelago.http of"
              + " application.conf makes 'serve' listen). Now ${DEFAULT-VALUE}")
  String url;

  @Option(
      names = "--user",
      scope = ScopeType.INHERIT,
      paramLabel = "ACCOUNT:USER",
      description = "TempAuth user (env ARCHIPELAGO_USER; default admin:admin).")
  String user;

  @Option(
      names = "--key",
      scope = ScopeType.INHERIT,
      paramLabel = "KEY",
      description = "TempAuth key (env ARCHIPELAGO_KEY; default admin).")
  String key;

  @Option(
      names = "--json",
      scope = ScopeType.INHERIT,
      description = "Print the admin API's JSON instead of tables (for scripts).")
  boolean json;

  @Option(
      names = "--timeout",
      scope = ScopeType.INHERIT,
      paramLabel = "SECONDS",
      defaultValue = "30",
      description = "How long to wait for each answer of the gateway (default ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @CommandLine.Spec CommandSpec spec;

  private AdminClient client;

  AdminCli() {}

  /**
   * Runs the command line; returns its exit code. {@code env} supplies ARCHIPELAGO_URL,
   * ARCHIPELAGO_USER and ARCHIPELAGO_KEY; {@code config} the default URL (archipelago.http).
   */
  public static int run(
      Config config, Map<String, String> env, PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new AdminCli());
    cli.setCommandName("archipelago admin");
    cli.setUsageHelpWidth(100);
    cli.setOut(out);
    cli.setErr(err);
    cli.setDefaultValueProvider(
        arg -> arg instanceof OptionSpec option ? defaultValue(option, config, env) : null);
    documentExitCodes(cli);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parsed) -> {
          if (e instanceof AdminException a) {
            err.println("archipelago admin: " + a.getMessage());
            err.flush();
            return a.exitCode();
          }
          err.println("archipelago admin: " + e);
          err.flush();
          return FAILED;
        });
    int code = cli.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  private static String defaultValue(OptionSpec option, Config config, Map<String, String> env) {
    return switch (option.longestName()) {
      case "--url" -> first(env.get("ARCHIPELAGO_URL"), configuredUrl(config));
      case "--user" ->
          first(env.get("ARCHIPELAGO_USER"), env.get("ARCHIPELAGO_ADMIN_USER"), "admin:admin");
      case "--key" -> first(env.get("ARCHIPELAGO_KEY"), env.get("ARCHIPELAGO_ADMIN_KEY"), "admin");
      default -> null;
    };
  }

  /** Where {@code serve} listens with this configuration (a wildcard host means this machine). */
  static String configuredUrl(Config config) {
    String host = "127.0.0.1";
    int port = 8080;
    if (config.hasPath("archipelago.http.host")) {
      host = config.getString("archipelago.http.host");
    }
    if (config.hasPath("archipelago.http.port")) {
      port = config.getInt("archipelago.http.port");
    }
    if (host.equals("0.0.0.0") || host.equals("::") || host.isEmpty()) {
      host = "127.0.0.1";
    }
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  private static String first(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }

  private static void documentExitCodes(CommandLine cli) {
    cli.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n");
    cli.getCommandSpec().usageMessage().exitCodeList(EXIT_CODES);
    cli.getSubcommands().values().forEach(AdminCli::documentExitCodes);
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return USAGE;
  }

  /** The root command of a sub-command's spec: the options and the client live there. */
  static AdminCli of(CommandSpec spec) {
    return (AdminCli) spec.root().userObject();
  }

  AdminClient client() {
    if (client == null) {
      if (timeoutSeconds <= 0) {
        throw new AdminException(USAGE, "--timeout must be a positive number of seconds");
      }
      client = new AdminClient(url, user, key, Duration.ofSeconds(timeoutSeconds));
    }
    return client;
  }

  boolean json() {
    return json;
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** Prints a JSON answer as the gateway gave it (pretty). */
  void printJson(JsonNode node) {
    out().println(node.toPrettyString());
    out().flush();
  }

  /** {@code account/container} of a command's argument. */
  static String[] containerPath(String text) {
    int slash = text.indexOf('/');
    if (slash <= 0 || slash == text.length() - 1 || text.indexOf('/', slash + 1) >= 0) {
      throw new AdminException(
          USAGE, "'" + text + "' is not ACCOUNT/CONTAINER (e.g. AUTH_test/photos)");
    }
    return new String[] {text.substring(0, slash), text.substring(slash + 1)};
  }

  /** The admin path of a container: {@code /admin/containers/a/c}, each name percent-encoded. */
  static String containerUrl(String[] path) {
    return "/admin/containers/" + AdminClient.segment(path[0]) + "/" + AdminClient.segment(path[1]);
  }
}
