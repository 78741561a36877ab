package io.archipelago.bench;

import io.archipelago.testing.Generated;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Figure 4: one large object on the gateway's filesystem backend, GET and PUT, against nginx (the
 * Debian package, {@link NginxBaseline}) serving the very same data file and storing the same
 * upload, in the same run, sides taking turns. Both sides are driven by curl, which reaches nginx's
 * ceiling on this machine (the JDK HttpClient of the other figures stops at about 300-400 MiB/s on
 * one stream and would measure itself).
 */
final class FilesystemFigures {

  private final SwiftHttp client;
  private final Path work;
  private final boolean quick;
  private final Report report;

  FilesystemFigures(SwiftHttp client, Path work, boolean quick, Report report) {
    this.client = client;
    this.work = work;
    this.quick = quick;
    this.report = report;
  }

  /** One curl transfer: status, bytes and seconds as curl counted them. */
  record Transfer(int status, long bytes, double seconds) {
    double mibPerSecond() {
      return bytes / seconds / (1 << 20);
    }
  }

  void run() throws Exception {
    long size = quick ? 128L << 20 : 1L << 30;
    int rounds = quick ? 2 : 5;
    Path upload = work.resolve("fs-upload.bin");
    try (InputStream in = new Generated(size, 1);
        OutputStream out = Files.newOutputStream(upload)) {
      in.transferTo(out);
    }
    client.send(client.request("/fsget").PUT(HttpRequest.BodyPublishers.noBody()).build());
    Transfer first = curlPut(client.storageUrl + "/fsget/big", upload, client.token);
    check(first.status() == 201, "PUT of the large object answered " + first.status());
    Path stored = largestFile(work.resolve("gw/backends"));
    check(Files.size(stored) == size, "did not find the stored object file");

    List<Double> gatewayGets = new ArrayList<>();
    List<Double> nginxGets = new ArrayList<>();
    List<Double> gatewayPuts = new ArrayList<>();
    List<Double> nginxPuts = new ArrayList<>();
    try (NginxBaseline nginx = new NginxBaseline(work.resolve("nginx"), stored)) {
      // warm-up: both servers' first transfer, the JIT's first pass over the gateway's body path
      curlGet(client.storageUrl + "/fsget/big", client.token, size);
      curlGet(nginx.getUrl(), null, size);
      for (int round = 0; round < rounds; round++) {
        for (int turn = 0; turn < 2; turn++) {
          if ((round + turn) % 2 == 0) {
            gatewayGets.add(
                curlGet(client.storageUrl + "/fsget/big", client.token, size).mibPerSecond());
          } else {
            nginxGets.add(curlGet(nginx.getUrl(), null, size).mibPerSecond());
          }
        }
      }
      for (int round = 0; round < rounds; round++) {
        for (int turn = 0; turn < 2; turn++) {
          String name = "put-" + round;
          if ((round + turn) % 2 == 0) {
            Transfer t = curlPut(client.storageUrl + "/fsget/" + name, upload, client.token);
            check(t.status() == 201, "gateway PUT answered " + t.status());
            gatewayPuts.add(t.mibPerSecond());
            int deleted = client.send(client.request("/fsget/" + name).DELETE().build());
            check(deleted == 204, "gateway DELETE answered " + deleted);
          } else {
            Transfer t = curlPut(nginx.putUrl(name), upload, null);
            check(t.status() == 201 || t.status() == 204, "nginx PUT answered " + t.status());
            // the gateway answers 201 once the bytes are on disk; nginx never fsyncs
            Path file = nginx.putFile(name);
            long t0 = System.nanoTime();
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
              ch.force(true);
            }
            double seconds = t.seconds() + (System.nanoTime() - t0) / 1e9;
            check(Files.size(file) == size, "nginx stored " + Files.size(file) + " bytes");
            nginxPuts.add(size / seconds / (1 << 20));
            Files.delete(file);
          }
        }
      }
    }
    Files.delete(upload);
    figure("4 filesystem GET " + (size >> 20) + " MiB", gatewayGets, nginxGets, "sendfile on");
    figure("4 filesystem PUT " + (size >> 20) + " MiB", gatewayPuts, nginxPuts, "DAV PUT + fsync");
  }

  private void figure(String name, List<Double> gateway, List<Double> nginx, String how) {
    report.add(
        new Report.Figure(
            name,
            "MiB/s",
            best(gateway),
            best(nginx),
            "nginx (Debian), " + how + ", same file, curl",
            "ratio >= 0.80",
            String.format(
                Locale.ROOT,
                "best of %d turns each, alternating; gateway %s, nginx %s MiB/s",
                gateway.size(),
                range(gateway),
                range(nginx))));
  }

  private static double best(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }

  private static String range(List<Double> values) {
    return String.format(
        Locale.ROOT,
        "%.0f-%.0f",
        values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN),
        best(values));
  }

  private static Transfer curlGet(String url, String token, long size)
      throws IOException, InterruptedException {
    Transfer t =
        curl(url, token, "-o", "/dev/null", "-w", "%{http_code} %{size_download} %{time_total}");
    check(t.status() == 200, "GET " + url + " answered " + t.status());
    check(t.bytes() == size, "GET " + url + " returned " + t.bytes() + " bytes");
    return t;
  }

  private static Transfer curlPut(String url, Path file, String token)
      throws IOException, InterruptedException {
    // no Expect: 100-continue (curl's wait for it would be measured too)
    return curl(
        url,
        token,
        "-T",
        file.toString(),
        "-H",
        "Expect:",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code} %{size_upload} %{time_total}");
  }

  private static Transfer curl(String url, String token, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("curl", "-s", "--max-time", "600"));
    if (token != null) {
      command.add("-H");
      command.add("X-Auth-Token: " + token);
    }
    command.addAll(List.of(args));
    command.add(url);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException("curl " + url + " failed (" + p.exitValue() + "): " + out);
    }
    String[] fields = out.split(" ");
    return new Transfer(
        Integer.parseInt(fields[0]),
        Long.parseLong(fields[1]),
        Double.parseDouble(fields[2].replace(',', '.')));
  }

  private static Path largestFile(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(Files::isRegularFile)
          .max(Comparator.comparingLong(FilesystemFigures::sizeOf))
          .orElseThrow();
    }
  }

  private static long sizeOf(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0;
    }
  }

  private static void check(boolean condition, String message) {
    if (!condition) {
      throw new IllegalStateException(message);
    }
  }
}
