package io.archipelago.bench;

import java.time.Duration;
import java.util.Locale;

/**
 * CPU time used so far, in ms: the gateway's (less its JIT compilers'), its JIT compilers', the
 * bench's own, and the other processes the bench started (the Swift cluster's). The difference of
 * two readings, per object, tells where a copy's CPU went on the two cores everything shares.
 */
record CpuUse(long gateway, long jit, long bench, long swift) {

  /** Now, with no gateway running. */
  static CpuUse now() {
    return now(null);
  }

  static CpuUse now(LocalGateway gateway) {
    long swift = 0;
    for (ProcessHandle p : ProcessHandle.current().descendants().toList()) {
      if (gateway == null || p.pid() != gateway.pid()) {
        swift += p.info().totalCpuDuration().map(Duration::toMillis).orElse(0L);
      }
    }
    long bench =
        ProcessHandle.current().info().totalCpuDuration().map(Duration::toMillis).orElse(0L);
    if (gateway == null) {
      return new CpuUse(0, 0, bench, swift);
    }
    long jit = gateway.compilerCpuMillis();
    return new CpuUse(gateway.cpuMillis() - jit, jit, bench, swift);
  }

  CpuUse minus(CpuUse before) {
    return new CpuUse(
        gateway - before.gateway, jit - before.jit, bench - before.bench, swift - before.swift);
  }

  String perObject(int objects) {
    return String.format(
        Locale.ROOT,
        "gateway %.2f (+ JIT %.2f), bench %.2f, swift %.2f",
        (double) gateway / objects,
        (double) jit / objects,
        (double) bench / objects,
        (double) swift / objects);
  }
}
