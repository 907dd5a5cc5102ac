package dev.vidgen.server;

import static dev.vidgen.server.TestClient.state;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restart safety. A server in a child JVM (started as {@code vidgen serve} is: {@link ServeCommand}) finishes one
 * job, is busy with a second and has a third queued when it is killed with SIGKILL; a new server on the same data
 * folder shows the finished job with its video, byte for byte, and the two others as failed with the reason. A
 * graceful stop leaves the same picture.
 */
class RestartTest {
  private static final Pattern LISTENING = Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+)");
  static final String LONG = "{\"prompt\": \"a white square moving up\", \"steps\": 900}";

  @TempDir Path data;
  @TempDir Path scratch;

  @Test
  void afterAKillFinishedJobsAndVideosRemainAndInterruptedJobsComeBackFailed() throws Exception {
    Process child = startChild();
    String done;
    String running;
    String queued;
    byte[] video;
    try {
      TestClient c = new TestClient(awaitListening(child));
      done = c.submit("{\"prompt\": \"a green square moving down\", \"steps\": 2, \"seed\": 5}");
      c.awaitState(done, "succeeded", Duration.ofSeconds(120));
      video = c.get("/v1/jobs/" + done + "/video").body();
      running = c.submit(LONG);
      c.await(running, j -> TestClient.step(j) >= 1 || TestClient.isTerminal(state(j)), Duration.ofSeconds(60),
          "past step 1");
      queued = c.submit(LONG);
      assertEquals("queued", state(c.job(queued)));
    } finally {
      child.destroyForcibly(); // SIGKILL: no shutdown hook runs
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
    }
    assertEquals(137, child.exitValue(), "killed by SIGKILL");
    // what the crash left: the running job's record still says running
    JsonObject onDisk = JsonParser.parseString(Files.readString(data.resolve("jobs").resolve(running + ".json")))
        .getAsJsonObject();
    assertEquals("running", state(onDisk));

    try (VidgenServer s = Servers.start(data, b -> b.workers(1))) {
      TestClient c = new TestClient(s.url());
      JsonObject d = c.job(done);
      assertEquals("succeeded", state(d));
      assertArrayEquals(video, c.get("/v1/jobs/" + done + "/video").body(), "the video survives the crash");
      JsonObject r = c.job(running);
      assertEquals("failed", state(r));
      assertTrue(r.get("error").getAsString().startsWith("interrupted") && r.get("error").getAsString()
          .contains("running"), r::toString);
      JsonObject q = c.job(queued);
      assertEquals("failed", state(q));
      assertTrue(q.get("error").getAsString().contains("queued"), q::toString);
      assertEquals(409, c.get("/v1/jobs/" + running + "/video").status());

      String after = c.submit("{\"prompt\": \"a green square moving up\", \"steps\": 1, \"scale\": 1}");
      c.awaitState(after, "succeeded", Duration.ofSeconds(60));
      JsonArray jobs = c.get("/v1/jobs").json().getAsJsonArray("jobs");
      List<String> order = jobs.asList().stream().map(e -> e.getAsJsonObject().get("id").getAsString()).toList();
      assertEquals(List.of(after, queued, running, done), order, "newest first, across the restart");
    }
    for (String f : Servers.files(data.resolve("tmp"))) {
      fail("temporary file left: " + f);
    }
  }

  @Test
  void aGracefulStopRecordsTheJobsItCutShort() {
    String running;
    String done;
    try (VidgenServer s = Servers.start(data, b -> b.workers(1))) {
      TestClient c = new TestClient(s.url());
      done = c.submit("{\"prompt\": \"a blue circle moving up\", \"steps\": 1, \"scale\": 1}");
      c.awaitState(done, "succeeded", Duration.ofSeconds(120));
      running = c.submit(LONG);
      c.await(running, j -> TestClient.step(j) >= 1 || TestClient.isTerminal(state(j)), Duration.ofSeconds(60),
          "past step 1");
    }
    try (VidgenServer s = Servers.start(data, b -> b.workers(1))) {
      TestClient c = new TestClient(s.url());
      assertEquals("succeeded", state(c.job(done)));
      assertEquals(200, c.get("/v1/jobs/" + done + "/video").status());
      JsonObject r = c.job(running);
      assertEquals("failed", state(r));
      assertTrue(r.get("error").getAsString().contains("server was stopped while this job ran"), r::toString);
    }
  }

  @Test
  void twoServersCannotShareADataFolder() {
    VidgenServer first = Servers.start(data, b -> {});
    try {
      IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
          () -> Servers.start(data, b -> {}));
      assertTrue(e.getMessage().contains("another vidgen server"), e.getMessage());
    } finally {
      first.stop();
    }
    Servers.start(data, b -> {}).stop(); // the stop released the folder
  }

  private Process startChild() throws IOException {
    Path args = scratch.resolve("java.args");
    // an argument file: the test class path is long
    Files.writeString(args, "-cp\n\"" + System.getProperty("java.class.path").replace("\\", "\\\\") + "\"\n");
    return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "@" + args, "-Dai.djl.offline=true", "-Xmx2g", ServeCommand.class.getName(), "--port", "0", "--data",
        data.toString(), "--workers", "1")
        .redirectError(scratch.resolve("child.err").toFile()).start();
  }

  private URI awaitListening(Process child) throws Exception {
    BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
      try {
        return out.readLine();
      } catch (IOException e) {
        return null;
      }
    });
    String first;
    try {
      first = line.get(90, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      first = null;
    }
    Matcher m = first == null ? null : LISTENING.matcher(first);
    if (m == null || !m.matches()) {
      fail("the child server printed '" + first + "' instead of 'listening on http://127.0.0.1:PORT'; its stderr:\n"
          + Files.readString(scratch.resolve("child.err")));
    }
    return URI.create(m.group(1));
  }
}
