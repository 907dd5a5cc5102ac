package dev.vidgen.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bounded load on loopback: 50 clients submit at the same instant to one worker; every job is accepted, runs and
 * succeeds, none is lost or duplicated, and afterwards the pipeline holds exactly the native arrays it held before and
 * the heap (after GC) is where it was. Then 20 clients burst at a queue of 2: the overflow is answered 429 with
 * Retry-After and every accepted job finishes. Generation is kept tiny (demo model, 2 frames, 1 step, written at
 * 32x32), so the test measures the service, not the model.
 */
class LoadTest {
  static final int CLIENTS = 50;
  static final String JOB = "{\"prompt\": \"a %s circle moving left\", \"frames\": 2, \"steps\": 1, \"scale\": 1, "
      + "\"seed\": %d}";
  static final String[] COLOURS = {"red", "green", "blue", "yellow", "white"};

  @TempDir Path data;

  @Test
  void fiftyConcurrentSubmissionsAllFinishAndMemoryIsFlat() throws Exception {
    try (VidgenServer s = Servers.start(data, b -> b.workers(1).queueCapacity(64))) {
      TestClient c = new TestClient(s.url());
      for (int i = 0; i < 2; i++) { // warm up: load the model, let libtorch's allocator settle
        c.awaitState(c.submit(String.format(Locale.ROOT, JOB, "red", 1000 + i)), "succeeded", Duration.ofSeconds(120));
      }
      long arraysBefore = s.liveNativeArrays();
      long heapBefore = heapAfterGc();
      long rssBefore = rss();

      long t0 = System.nanoTime();
      List<TestClient.Response> responses = burst(c, CLIENTS, i -> String.format(Locale.ROOT, JOB,
          COLOURS[i % COLOURS.length], i));
      long submitMillis = (System.nanoTime() - t0) / 1_000_000;
      Set<String> ids = new HashSet<>();
      for (TestClient.Response r : responses) {
        assertEquals(202, r.status(), r::text);
        ids.add(r.json().get("id").getAsString());
      }
      assertEquals(CLIENTS, ids.size(), "every submission got its own job");

      List<Long> runMillis = new ArrayList<>();
      for (String id : ids) {
        JsonObject j = c.awaitTerminal(id, Duration.ofSeconds(240));
        assertEquals("succeeded", j.get("state").getAsString(), j::toString);
        runMillis.add(j.getAsJsonObject("timings").get("run_ms").getAsLong());
        assertTrue(Files.size(data.resolve("videos").resolve(id + ".mp4")) > 0);
      }
      long allDoneMillis = (System.nanoTime() - t0) / 1_000_000;
      JsonObject listed = c.get("/v1/jobs?limit=1000").json();
      assertEquals(CLIENTS + 2, listed.get("total").getAsInt(), "no job lost or added");
      JsonObject health = c.get("/health").json();
      assertEquals(0, health.get("queued").getAsInt());
      assertEquals(0, health.get("event_streams").getAsInt());

      long arraysAfter = s.liveNativeArrays();
      long heapAfter = heapAfterGc();
      long rssAfter = rss();
      runMillis.sort(null);
      System.out.printf(Locale.ROOT, "load: %d submissions accepted in %d ms, all %d finished after %.1f s (median "
          + "run %d ms); native arrays %d -> %d; heap after GC %.1f -> %.1f MB; RSS %.0f -> %.0f MB%n", CLIENTS,
          submitMillis, CLIENTS, allDoneMillis / 1000.0, runMillis.get(runMillis.size() / 2), arraysBefore,
          arraysAfter, heapBefore / 1e6, heapAfter / 1e6, rssBefore / 1e6, rssAfter / 1e6);
      assertEquals(arraysBefore, arraysAfter, "native arrays after 50 jobs");
      assertTrue(heapAfter - heapBefore < 32_000_000, "heap grew by " + (heapAfter - heapBefore) + " bytes");
      assertTrue(rssAfter - rssBefore < 300_000_000, "RSS grew by " + (rssAfter - rssBefore) / 1e6 + " MB");
    }
  }

  @Test
  void aBurstAtASmallQueueIsAnswered429AndTheAcceptedJobsFinish() throws Exception {
    try (VidgenServer s = Servers.start(data, b -> b.workers(1).queueCapacity(2))) {
      TestClient c = new TestClient(s.url());
      List<TestClient.Response> responses = burst(c, 20, i -> String.format(Locale.ROOT, JOB, "blue", i));
      List<String> accepted = new ArrayList<>();
      int refused = 0;
      for (TestClient.Response r : responses) {
        if (r.status() == 202) {
          accepted.add(r.json().get("id").getAsString());
        } else {
          assertEquals(429, r.status(), r::text);
          assertTrue(Long.parseLong(r.header("Retry-After")) >= 1);
          assertTrue(r.error().contains("queue is full"));
          refused++;
        }
      }
      System.out.println("burst of 20 at a queue of 2: " + accepted.size() + " accepted, " + refused + " refused");
      assertTrue(accepted.size() >= 2 && refused >= 1, accepted.size() + " accepted, " + refused + " refused");
      for (String id : accepted) {
        assertEquals("succeeded", c.awaitTerminal(id, Duration.ofSeconds(120)).get("state").getAsString());
      }
      assertEquals(accepted.size(), c.get("/v1/jobs?limit=100").json().get("total").getAsInt(),
          "refused submissions leave no job behind");
    }
  }

  /** {@code n} clients, each on its own thread, released together, each submitting one job. */
  private static List<TestClient.Response> burst(TestClient c, int n, java.util.function.IntFunction<String> body)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<TestClient.Response>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String json = body.apply(i);
        futures.add(pool.submit(() -> {
          go.await();
          return c.postJson(json);
        }));
      }
      go.countDown();
      List<TestClient.Response> out = new ArrayList<>();
      for (Future<TestClient.Response> f : futures) {
        out.add(f.get(60, TimeUnit.SECONDS));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  private static long heapAfterGc() throws InterruptedException {
    MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return mem.getHeapMemoryUsage().getUsed();
  }

  /** Resident set size of this process, from /proc (Linux). */
  private static long rss() throws java.io.IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
      }
    }
    return -1;
  }
}
