package io.archipelago.http.cli;

import picocli.CommandLine.Option;

/**
 * How a migration or drain command attaches: start and follow, start only, follow, once, cancel.
 */
final class WatchOptions {

  enum Mode {
    START,
    DETACH,
    WATCH,
    STATUS,
    CANCEL
  }

  @Option(names = "--detach", description = "Start it and return at once (re-attach with --watch).")
  boolean detach;

  @Option(names = "--watch", description = "Follow the running one until it ends.")
  boolean watch;

  @Option(names = "--status", description = "Print its progress once.")
  boolean status;

  @Option(names = "--cancel", description = "Cancel it.")
  boolean cancel;

  @Option(
      names = "--progress",
      negatable = true,
      description = "Draw a progress bar on stderr (default: when stderr is a terminal).")
  Boolean progress;

  @Option(
      names = "--interval",
      paramLabel = "SECONDS",
      defaultValue = "1",
      description = "Seconds between two looks at the progress (default ${DEFAULT-VALUE}).")
  double intervalSeconds;

  /** The one mode asked for; two at once are a usage error. */
  Mode mode() {
    int asked = (detach ? 1 : 0) + (watch ? 1 : 0) + (status ? 1 : 0) + (cancel ? 1 : 0);
    if (asked > 1) {
      throw new AdminException(
          AdminCli.USAGE, "--detach, --watch, --status and --cancel exclude each other");
    }
    if (intervalSeconds <= 0 || intervalSeconds > 3600) {
      throw new AdminException(AdminCli.USAGE, "--interval must be between 0 and 3600 seconds");
    }
    return detach
        ? Mode.DETACH
        : watch ? Mode.WATCH : status ? Mode.STATUS : cancel ? Mode.CANCEL : Mode.START;
  }

  boolean bar() {
    return progress != null ? progress : System.console() != null;
  }

  long intervalMillis() {
    return Math.max(1, Math.round(intervalSeconds * 1000));
  }
}
