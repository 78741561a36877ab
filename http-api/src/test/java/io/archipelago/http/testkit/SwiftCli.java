package io.archipelago.http.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code swift} command line (python3-swiftclient) against a gateway. */
public final class SwiftCli {

  /** What a swift command printed and how it ended. */
  public record Result(int exitCode, String output) {
    public Result assertOk() {
      if (exitCode != 0) {
        throw new AssertionError("swift exited with " + exitCode + ":\n" + output);
      }
      return this;
    }
  }

  private final String authUrl;
  private final String user;
  private final String key;

  public SwiftCli(String authUrl, String user, String key) {
    this.authUrl = authUrl;
    this.user = user;
    this.key = key;
  }

  public static boolean available() {
    return Path.of("/usr/bin/swift").toFile().canExecute();
  }

  public Result run(Path workingDir, String... args) {
    List<String> command =
        new ArrayList<>(List.of("/usr/bin/swift", "-A", authUrl, "-U", user, "-K", key));
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(workingDir.toFile()).redirectErrorStream(true);
    // A proxy setting of the machine must not catch loopback requests.
    builder.environment().put("no_proxy", "127.0.0.1,localhost");
    try {
      Process p = builder.start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(600, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("swift " + String.join(" ", args) + " did not finish");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
