package io.archipelago.http.cli;

/** A failure of an admin command, with the exit code (see {@link AdminCli}) that reports it. */
final class AdminException extends RuntimeException {

  private final int exitCode;

  AdminException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  AdminException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
