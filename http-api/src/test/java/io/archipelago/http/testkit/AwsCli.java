package io.archipelago.http.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code aws} command line (Debian's awscli, called by its full path: a pyenv shim
 * may shadow it) and other client processes against a gateway's S3 endpoint, signed as the demo
 * user {@code test:tester}, with no configuration of the machine's user read.
 */
public final class AwsCli {

  public static final Path AWS = Path.of("/usr/bin/aws");

  /** What a command printed (stdout and stderr) and how it ended. */
  public record Result(int exitCode, String output) {
    public Result assertOk() {
      if (exitCode != 0) {
        throw new AssertionError("exit " + exitCode + ":\n" + output);
      }
      return this;
    }
  }

  private final String endpoint;
  private final Path workDir;

  public AwsCli(String endpoint, Path workDir) {
    this.endpoint = endpoint;
    this.workDir = workDir;
  }

  public static boolean available() {
    return AWS.toFile().canExecute();
  }

  public List<String> command(String... args) {
    List<String> command = new ArrayList<>(List.of(AWS.toString(), "--endpoint-url", endpoint));
    command.addAll(List.of(args));
    return command;
  }

  public Result aws(String... args) {
    return run(command(args), Map.of());
  }

  /** Any command, with the S3 credentials in its environment and {@code env} on top. */
  public Result run(List<String> command, Map<String, String> env) {
    try {
      ProcessBuilder builder =
          new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
      Map<String, String> e = builder.environment();
      e.put("AWS_ACCESS_KEY_ID", "test:tester");
      e.put("AWS_SECRET_ACCESS_KEY", "testing");
      e.put("AWS_DEFAULT_REGION", "us-east-1");
      e.put("AWS_CONFIG_FILE", workDir.resolve("aws-config").toString());
      e.put("AWS_SHARED_CREDENTIALS_FILE", workDir.resolve("aws-credentials").toString());
      e.put("AWS_EC2_METADATA_DISABLED", "true");
      e.put("AWS_PAGER", "");
      e.put("PYTHONIOENCODING", "utf-8");
      e.put("LC_ALL", "C.UTF-8");
      e.putAll(env);
      Process process = builder.start();
      byte[] out = process.getInputStream().readAllBytes();
      if (!process.waitFor(300, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("timed out: " + command);
      }
      return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
