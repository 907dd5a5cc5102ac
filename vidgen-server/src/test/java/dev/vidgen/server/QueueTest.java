package dev.vidgen.server;

import static dev.vidgen.server.TestClient.state;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bounded queue: 429 with Retry-After when full, a cancelled job's slot freed, FIFO order with one worker. */
class QueueTest {
  static final String LONG = "{\"prompt\": \"a white square moving up\", \"steps\": 900}";

  @TempDir Path data;

  @Test
  void aFullQueueAnswers429WithRetryAfter() {
    try (VidgenServer s = Servers.start(data, b -> b.workers(1).queueCapacity(2))) {
      TestClient c = new TestClient(s.url());
      String running = c.submit(LONG);
      c.awaitState(running, "running", Duration.ofSeconds(60));
      String q1 = c.submit(LONG);
      String q2 = c.submit(LONG);
      TestClient.Response full = c.postJson(LONG);
      assertEquals(429, full.status(), full::text);
      assertTrue(full.error().contains("queue is full"), full::text);
      long retry = Long.parseLong(full.header("Retry-After"));
      assertTrue(retry >= 1 && retry <= 3600, "Retry-After " + retry);
      JsonObject health = c.get("/health").json();
      assertEquals(1, health.get("running").getAsInt());
      assertEquals(2, health.get("queued").getAsInt());
      assertEquals(3, c.get("/v1/jobs?limit=100").json().getAsJsonArray("jobs").size(), "the refused job is not kept");

      assertEquals(200, c.delete("/v1/jobs/" + q1).status());
      String q3 = c.submit(LONG); // the cancelled job's place is free again
      assertEquals(429, c.postJson(LONG).status());
      for (String id : List.of(running, q2, q3)) {
        c.delete("/v1/jobs/" + id);
      }
      c.awaitState(running, "cancelled", Duration.ofSeconds(20));
      assertEquals("cancelled", state(c.job(q2)));
      assertEquals("cancelled", state(c.job(q3)));
    }
  }

  @Test
  void twoWorkersRunTwoJobsAtOnceEachWithItsOwnPipeline() {
    try (VidgenServer s = Servers.start(data, b -> b.workers(2).queueCapacity(4))) {
      TestClient c = new TestClient(s.url());
      String a = c.submit(LONG);
      String b = c.submit(LONG);
      c.await(a, j -> TestClient.step(j) >= 1 || TestClient.isTerminal(state(j)), Duration.ofSeconds(90), "stepping");
      c.await(b, j -> TestClient.step(j) >= 1 || TestClient.isTerminal(state(j)), Duration.ofSeconds(90), "stepping");
      JsonObject health = c.get("/health").json();
      assertEquals(2, health.get("running").getAsInt(), health::toString);
      assertEquals(2, health.getAsJsonArray("loaded_models").size(), "one pipeline per worker: " + health);
      assertEquals(1, c.get("/v1/models").json().getAsJsonArray("loaded").size(), "listed once per model");
      c.delete("/v1/jobs/" + a);
      c.delete("/v1/jobs/" + b);
      c.awaitState(a, "cancelled", Duration.ofSeconds(20));
      c.awaitState(b, "cancelled", Duration.ofSeconds(20));
      String quick = c.submit("{\"prompt\": \"a red circle moving left\", \"steps\": 1, \"scale\": 1}");
      c.awaitState(quick, "succeeded", Duration.ofSeconds(60));
    }
  }

  @Test
  void jobsStartInTheOrderTheyWereSubmitted() {
    try (VidgenServer s = Servers.start(data, b -> b.workers(1).queueCapacity(10))) {
      TestClient c = new TestClient(s.url());
      String first = c.submit(LONG);
      c.awaitState(first, "running", Duration.ofSeconds(60));
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        ids.add(c.submit("{\"prompt\": \"a red circle moving left\", \"steps\": 1, \"scale\": 1, \"seed\": " + i
            + "}"));
        assertEquals(i + 1, c.job(ids.get(i)).get("queue_position").getAsInt());
      }
      c.delete("/v1/jobs/" + first);
      Instant previous = Instant.MIN;
      for (String id : ids) {
        JsonObject j = c.awaitState(id, "succeeded", Duration.ofSeconds(60));
        Instant started = Instant.parse(j.get("started_at").getAsString());
        assertTrue(started.isAfter(previous), "job " + id + " started before the one submitted ahead of it");
        previous = started;
      }
    }
  }
}
