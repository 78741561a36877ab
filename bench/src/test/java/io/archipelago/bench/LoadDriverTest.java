package io.archipelago.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs taken in turns add up to one result, with percentiles over all their latencies. */
class LoadDriverTest {

  @Test
  void combinedRunsAddUpAndShareTheirPercentiles() {
    long ms = 1_000_000;
    LoadDriver.Result fast = new LoadDriver.Result(3, 1, 2.0, new long[] {1 * ms, 2 * ms, 3 * ms});
    LoadDriver.Result slow = new LoadDriver.Result(1, 0, 3.0, new long[] {100 * ms});
    LoadDriver.Result both = LoadDriver.Result.combined(List.of(slow, fast));
    assertEquals(4, both.ok());
    assertEquals(1, both.failed());
    assertEquals(0.8, both.opsPerSecond(), 1e-9);
    assertEquals(3.0, both.p50Millis(), 1e-9);
    assertEquals(100.0, both.p99Millis(), 1e-9);
  }

  @Test
  void runCountsEveryRequestItWasAllowed() throws Exception {
    LoadDriver.Result r = LoadDriver.run(4, 60, 100, (w, i) -> i % 10 != 9 || w != 0);
    assertEquals(100, r.ok() + r.failed());
    assertEquals(r.ok(), r.sortedNanos().length);
  }
}
