package dev.vidgen.server;

import static dev.vidgen.server.TestClient.state;
import static dev.vidgen.server.TestClient.step;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JSON API against a real server on a loopback port, generating with the embedded demo model (8 frames of 32x32;
 * a step takes tens of milliseconds on this machine): submit, poll, events, download, cancel, and every refusal with
 * its status and a message that names the field or path at fault.
 */
class ServerApiTest {
  static final Duration JOB_TIMEOUT = Duration.ofSeconds(90);

  @TempDir static Path data;
  static VidgenServer server;
  static TestClient client;

  @BeforeAll
  static void start() {
    server = Servers.start(data, b -> b.workers(1).queueCapacity(16));
    client = new TestClient(server.url());
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.stop();
    }
  }

  /**
   * A job that keeps the worker busy until cancelled: 900 steps (the most the demo's DDIM schedule allows is 999)
   * take about a minute here.
   */
  static String blocker() {
    return client.submit("{\"prompt\": \"a white square moving up\", \"steps\": 900, \"seed\": 1}");
  }

  @Test
  void submitPollAndDownload() {
    TestClient.Response r = client.postJson(
        "{\"model\": \"demo\", \"prompt\": \"a red circle moving right\", \"steps\": 4, \"seed\": 7}");
    assertEquals(202, r.status(), r::text);
    JsonObject accepted = r.json();
    String id = accepted.get("id").getAsString();
    assertTrue(JobStore.ID.matcher(id).matches(), id);
    assertEquals("queued", state(accepted), "202 shows the job as accepted, even if a worker took it since");
    assertEquals("/v1/jobs/" + id, r.header("Location"));
    assertEquals("demo", accepted.getAsJsonObject("request").get("model").getAsString());

    JsonObject done = client.awaitState(id, "succeeded", JOB_TIMEOUT);
    assertEquals(4, step(done));
    assertEquals(4, done.getAsJsonObject("progress").get("total").getAsInt());
    assertTrue(done.get("error").isJsonNull(), done::toString);
    JsonObject result = done.getAsJsonObject("result");
    assertEquals(8, result.get("frames").getAsInt());
    assertEquals(256, result.get("width").getAsInt(), "the 32x32 demo video is written enlarged 8x (scale auto)");
    assertEquals(7, result.get("seed").getAsLong());
    JsonObject timings = done.getAsJsonObject("timings");
    for (String t : List.of("queue_ms", "load_ms", "encode_ms", "denoise_ms", "decode_ms", "write_ms", "total_ms")) {
      assertTrue(timings.has(t), () -> "timing " + t + " in " + timings);
    }

    TestClient.Response video = client.get("/v1/jobs/" + id + "/video");
    assertEquals(200, video.status());
    assertEquals("video/mp4", video.header("Content-Type"));
    assertEquals(result.get("bytes").getAsLong(), video.body().length);
    assertEquals("ftyp", new String(video.body(), 4, 4, StandardCharsets.ISO_8859_1), "an MP4 starts with ftyp");

    TestClient.Response part = client.send(client.request("/v1/jobs/" + id + "/video").header("Range", "bytes=0-99")
        .GET().build());
    assertEquals(206, part.status());
    assertEquals("bytes 0-99/" + video.body().length, part.header("Content-Range"));
    assertArrayEquals(Arrays.copyOf(video.body(), 100), part.body());
    TestClient.Response bad = client.send(client.request("/v1/jobs/" + id + "/video")
        .header("Range", "bytes=999999-").GET().build());
    assertEquals(416, bad.status(), bad::text);
  }

  @Test
  void eventsStreamEveryStepThenTheFinalState() throws Exception {
    String blocker = blocker();
    client.awaitState(blocker, "running", JOB_TIMEOUT);
    String id = client.submit("{\"prompt\": \"a blue triangle moving left\", \"steps\": 6, \"seed\": 3}");
    HttpResponse<InputStream> stream = clientStream("/v1/jobs/" + id + "/events");
    assertEquals(200, stream.statusCode());
    assertEquals("text/event-stream; charset=utf-8", stream.headers().firstValue("Content-Type").orElse(null));
    client.delete("/v1/jobs/" + blocker); // let the followed job run now that we are subscribed
    List<String[]> events = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
      String name = null;
      for (String line; (line = in.readLine()) != null; ) {
        if (line.startsWith("event: ")) {
          name = line.substring(7);
        } else if (line.startsWith("data: ")) {
          events.add(new String[] {name, line.substring(6)});
        }
      }
    }
    assertEquals("state", events.get(0)[0]);
    assertEquals("queued", JsonParser.parseString(events.get(0)[1]).getAsJsonObject().get("state").getAsString(),
        "the stream starts with the state at subscription");
    List<Integer> steps = new ArrayList<>();
    List<String> states = new ArrayList<>();
    for (String[] e : events) {
      JsonObject d = JsonParser.parseString(e[1]).getAsJsonObject();
      if (e[0].equals("progress")) {
        steps.add(d.get("step").getAsInt());
        assertEquals(6, d.get("total").getAsInt());
      } else {
        states.add(d.get("state").getAsString());
      }
    }
    assertEquals(List.of(1, 2, 3, 4, 5, 6), steps, "one progress event per step, in order");
    assertEquals(List.of("queued", "running", "succeeded"), states);
    assertEquals("succeeded", states.get(states.size() - 1), "the stream ends with the final state");

    // a finished job's stream is its final state, then the end
    HttpResponse<InputStream> done = clientStream("/v1/jobs/" + id + "/events");
    String text = new String(done.body().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(text.contains("event: state\ndata: {\"id\":\"" + id + "\",\"state\":\"succeeded\""), text);
  }

  private static HttpResponse<InputStream> clientStream(String path) throws Exception {
    return java.net.http.HttpClient.newHttpClient().send(client.request(path).GET().build(),
        HttpResponse.BodyHandlers.ofInputStream());
  }

  @Test
  void cancellingARunningJobStopsItWithinOneStepAndFreesItsMemory() {
    // warm: the demo pipeline is loaded and its arrays counted between jobs
    client.awaitState(client.submit("{\"prompt\": \"a red square moving down\", \"steps\": 2}"), "succeeded",
        JOB_TIMEOUT);
    long arraysBefore = client.get("/health").json().get("native_arrays").getAsLong();
    assertTrue(arraysBefore > 0, "the loaded pipeline's weights are counted");

    String id = blocker();
    client.await(id, j -> step(j) >= 3 || TestClient.isTerminal(state(j)), JOB_TIMEOUT, "at step 3");
    TestClient.Response cancel = client.delete("/v1/jobs/" + id);
    assertEquals(202, cancel.status(), cancel::text);
    int stepAtCancel = step(cancel.json());
    JsonObject after = client.awaitState(id, "cancelled", Duration.ofSeconds(20));
    assertTrue(step(after) <= stepAtCancel + 1, () -> "cancelled at step " + stepAtCancel + " but it ran to step "
        + step(after));
    assertTrue(step(after) < 900);
    assertTrue(after.get("error").getAsString().contains("cancelled"), after::toString);
    assertEquals(409, client.get("/v1/jobs/" + id + "/video").status());
    assertEquals(arraysBefore, client.get("/health").json().get("native_arrays").getAsLong(),
        "the cancelled run's native arrays are freed");
    TestClient.Response again = client.delete("/v1/jobs/" + id);
    assertEquals(200, again.status(), "cancelling a cancelled job is harmless");
  }

  @Test
  void aQueuedJobIsCancelledAtOnceAndHasNoVideo() {
    String blocker = blocker();
    client.awaitState(blocker, "running", JOB_TIMEOUT);
    String queued = client.submit("{\"prompt\": \"a green circle moving up\", \"steps\": 2}");
    JsonObject q = client.job(queued);
    assertEquals("queued", state(q));
    assertEquals(1, q.get("queue_position").getAsInt());
    TestClient.Response v = client.get("/v1/jobs/" + queued + "/video");
    assertEquals(409, v.status());
    assertTrue(v.error().contains("queued"), v::text);
    TestClient.Response c = client.delete("/v1/jobs/" + queued);
    assertEquals(200, c.status());
    assertEquals("cancelled", state(c.json()));
    assertEquals(202, client.delete("/v1/jobs/" + blocker).status());
    client.awaitState(blocker, "cancelled", Duration.ofSeconds(20));
  }

  @Test
  void switchesTheLoadedModelWhenAJobAsksForAnother() {
    String tiny = client.submit("{\"model\": \"modelscope-tiny-random\", \"prompt\": \"noise\", \"steps\": 1}");
    JsonObject t = client.awaitState(tiny, "succeeded", JOB_TIMEOUT);
    assertEquals("TextToVideoSDPipeline", t.getAsJsonObject("result").get("pipeline").getAsString());
    assertEquals(List.of("modelscope-tiny-random"), loaded());
    String demo = client.submit("{\"prompt\": \"a red circle moving up\", \"steps\": 1, \"scale\": 1}");
    JsonObject d = client.awaitState(demo, "succeeded", JOB_TIMEOUT);
    assertTrue(d.getAsJsonObject("timings").get("load_ms").getAsLong() > 0, "the demo was loaded again");
    assertEquals(List.of("demo"), loaded());
    String again = client.submit("{\"prompt\": \"a red circle moving up\", \"steps\": 1, \"scale\": 1}");
    assertEquals(0, client.awaitState(again, "succeeded", JOB_TIMEOUT).getAsJsonObject("timings").get("load_ms")
        .getAsLong(), "the loaded pipeline is reused");
  }

  private static List<String> loaded() {
    List<String> out = new ArrayList<>();
    client.get("/v1/models").json().getAsJsonArray("loaded").forEach(e -> out.add(e.getAsString()));
    return out;
  }

  @Test
  void urlEncodedFormsAndCurlStyleJsonAreAccepted() {
    TestClient.Response form = postForm("prompt=a+red+circle+moving+up&steps=1&scale=1");
    assertEquals(202, form.status(), form::text);
    assertEquals("a red circle moving up", form.json().getAsJsonObject("request").get("prompt").getAsString());
    // `curl -d '{...}'` labels JSON as a form
    TestClient.Response curl = postForm("{\"prompt\": \"a red circle moving down\", \"steps\": 1, \"scale\": 1}");
    assertEquals(202, curl.status(), curl::text);
    TestClient.Response bad = postForm("prompt=x&frames=abc");
    assertEquals(400, bad.status());
    assertTrue(bad.error().contains("'frames'"), bad::text);
    client.awaitState(form.json().get("id").getAsString(), "succeeded", JOB_TIMEOUT);
    client.awaitState(curl.json().get("id").getAsString(), "succeeded", JOB_TIMEOUT);
  }

  private static TestClient.Response postForm(String body) {
    return client.send(client.request("/v1/jobs").header("Content-Type", "application/x-www-form-urlencoded")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build());
  }

  @Test
  void multipartFormWithoutAnImage() {
    TestClient.Response r = client.postMultipart(Map.of("prompt", "a yellow square moving left", "steps", "3",
        "seed", "11", "format", "gif", "scale", "2"), null, null, null);
    assertEquals(202, r.status(), r::text);
    String id = r.json().get("id").getAsString();
    JsonObject done = client.awaitState(id, "succeeded", JOB_TIMEOUT);
    assertEquals(64, done.getAsJsonObject("result").get("width").getAsInt(), "scale 2 of 32");
    TestClient.Response gif = client.get("/v1/jobs/" + id + "/video");
    assertEquals("image/gif", gif.header("Content-Type"));
    assertEquals("GIF89a", new String(gif.body(), 0, 6, StandardCharsets.ISO_8859_1));
  }

  @ParameterizedTest
  @ValueSource(strings = {"{", "{\"prompt\": 'single quotes'}", "{\"prompt\": \"x\"} trailing", "",
      "{\"prompt\": \"x\",}", "// comment\n{\"prompt\": \"x\"}"})
  void malformedJsonIs400(String body) {
    TestClient.Response r = client.postJson(body);
    assertEquals(400, r.status(), r::text);
    assertTrue(r.error().startsWith("malformed JSON"), r::text);
  }

  @Test
  void aJsonValueThatIsNotAnObjectIs400() {
    TestClient.Response r = client.postJson("[{\"prompt\": \"x\"}]");
    assertEquals(400, r.status());
    assertTrue(r.error().contains("JSON object"), r::text);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"prompt\": \"x\", \"frames\": -1}|frames",
      "{\"prompt\": \"x\", \"frames\": 2.5}|frames",
      "{\"prompt\": \"x\", \"frames\": \"8\"}|frames",
      "{\"prompt\": \"x\", \"frames\": 100000}|frames",
      "{\"prompt\": \"x\", \"height\": 0}|height",
      "{\"prompt\": \"x\", \"width\": [32]}|width",
      "{\"prompt\": \"x\", \"steps\": 1001}|steps",
      "{\"prompt\": \"x\", \"guidance\": -1}|guidance",
      "{\"prompt\": \"x\", \"seed\": 1.5}|seed",
      "{\"prompt\": \"x\", \"seed\": 99999999999999999999999}|seed",
      "{\"prompt\": \"x\", \"fps\": 0}|fps",
      "{\"prompt\": \"x\", \"format\": \"avi\"}|format",
      "{\"prompt\": \"x\", \"scheduler\": \"nope\"}|scheduler",
      "{\"prompt\": \"x\", \"scale\": 0}|scale",
      "{\"prompt\": 42}|prompt",
      "{\"steps\": 4}|prompt",
      "{\"prompt\": \"x\", \"framez\": 8}|framez",
      "{\"prompt\": \"x\", \"image\": \"aGk=\"}|image"})
  void anInvalidFieldIs400NamingIt(String body, String field) {
    TestClient.Response r = client.postJson(body);
    assertEquals(400, r.status(), r::text);
    assertTrue(r.error().contains("'" + field + "'"), () -> "the error names '" + field + "': " + r.text());
  }

  @Test
  void unknownOrMissingModelsAre404() {
    TestClient.Response r = client.postJson("{\"model\": \"no-such-model\", \"prompt\": \"x\"}");
    assertEquals(404, r.status(), r::text);
    assertTrue(r.error().contains("no-such-model") && r.error().contains("demo"), r::text);
    // known, but this machine has no weights for it (the test locator sees no downloads)
    TestClient.Response m = client.postJson("{\"model\": \"modelscope\", \"prompt\": \"x\"}");
    assertEquals(404, m.status(), m::text);
    assertTrue(m.error().contains("not on this server"), m::text);
    TestClient.Response models = client.get("/v1/models");
    assertEquals(200, models.status());
    boolean sawDemo = false;
    for (JsonElement e : models.json().getAsJsonArray("models")) {
      JsonObject o = e.getAsJsonObject();
      if (o.get("id").getAsString().equals("demo")) {
        sawDemo = true;
        assertTrue(o.get("available").getAsBoolean());
        assertTrue(o.get("default").getAsBoolean());
      }
      if (o.get("id").getAsString().equals("modelscope")) {
        assertFalse(o.get("available").getAsBoolean());
      }
    }
    assertTrue(sawDemo, models::text);
  }

  @Test
  void unknownJobsEndpointsAndMethods() {
    assertEquals(404, client.get("/v1/jobs/0123456789abcdef01234567").status());
    assertEquals(404, client.get("/v1/jobs/not-an-id").status());
    assertEquals(404, client.get("/v1/jobs/0123456789abcdef01234567/video").status());
    assertEquals(404, client.get("/v1/nothing").status());
    assertEquals(404, client.get("/index.php").status());
    TestClient.Response m = client.send(client.request("/v1/models").DELETE().build());
    assertEquals(405, m.status());
    assertEquals("GET", m.header("Allow"));
    assertTrue(m.text().startsWith("{\"error\":"), m::text);
    assertEquals(415, client.send(client.request("/v1/jobs").header("Content-Type", "text/plain")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("prompt=x")).build()).status());
  }

  /**
   * Paths that try to leave the API: with dot segments or escapes they are refused before routing (400); others
   * match no route (404). Either way no file content comes back.
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "/../../etc/passwd|400",
      "/v1/jobs/../../../etc/passwd|400",
      "/v1/jobs/..%2f..%2f..%2fetc%2fpasswd/video|400",
      "/%2e%2e/%2e%2e/etc/passwd|400",
      "/v1/jobs/%2e%2e/video|400",
      "/app.js/../../../../../etc/passwd|400",
      "/style.css/..%2F..%2Fpom.xml|400",
      "/..%5c..%5cetc%5cpasswd|400",
      "/v1/jobs/%00/video|400",
      "/v1/jobs/....//....//etc/passwd|400",
      "//etc/passwd|404",
      "/etc/passwd|404",
      "/v1/jobs/0123456789abcdef01234567/../../../../etc/passwd|400"})
  void traversalAttemptsAre4xx(String target, int status) {
    TestClient.RawResponse r = client.raw("GET", target);
    assertEquals(status, r.status(), () -> target + " answered " + r.status() + ": " + r.body());
    assertTrue(r.body().startsWith("{\"error\":"), r::body);
    assertFalse(r.body().contains("root:"), r::body);
    assertFalse(r.body().contains("<project"), r::body);
  }

  @Test
  void listsNewestFirstAndChecksTheLimit() {
    String a = client.submit("{\"prompt\": \"a red circle moving up\", \"steps\": 1}");
    String b = client.submit("{\"prompt\": \"a red circle moving down\", \"steps\": 1}");
    TestClient.Response r = client.get("/v1/jobs?limit=2");
    assertEquals(200, r.status());
    var jobs = r.json().getAsJsonArray("jobs");
    assertEquals(2, jobs.size());
    assertEquals(b, jobs.get(0).getAsJsonObject().get("id").getAsString());
    assertEquals(a, jobs.get(1).getAsJsonObject().get("id").getAsString());
    assertEquals(400, client.get("/v1/jobs?limit=0").status());
    assertEquals(400, client.get("/v1/jobs?limit=x").status());
    assertEquals(400, client.get("/v1/jobs?state=queued").status());
    client.awaitTerminal(b, JOB_TIMEOUT);
  }

  @Test
  void servesThePageAndHealth() {
    TestClient.Response page = client.get("/");
    assertEquals(200, page.status());
    assertEquals("text/html; charset=utf-8", page.header("Content-Type"));
    assertTrue(page.text().contains("<title>vidgen</title>"));
    assertNotNull(page.header("Content-Security-Policy"));
    TestClient.Response js = client.get("/app.js");
    assertEquals(200, js.status());
    assertTrue(js.text().contains("readEvents"));
    assertEquals(200, client.get("/style.css").status());
    JsonObject h = client.get("/health").json();
    assertEquals("ok", h.get("status").getAsString());
    assertEquals(1, h.get("workers").getAsInt());
  }

  @Test
  void noTemporaryFilesOrUploadsAreLeftBehind() {
    client.awaitState(client.submit("{\"prompt\": \"a white circle moving left\", \"steps\": 1}"), "succeeded",
        JOB_TIMEOUT);
    TestClient.sleep(200);
    for (String f : Servers.files(data)) {
      assertTrue(f.equals(".lock") || f.matches("jobs/[0-9a-f]{24}\\.json")
          || f.matches("videos/[0-9a-f]{24}\\.(mp4|gif)") || f.matches("uploads/[0-9a-f]{24}\\.image"),
          () -> "unexpected file in the data folder: " + f);
    }
    assertEquals(List.of(), uploadsOfFinishedJobs());
  }

  private static List<String> uploadsOfFinishedJobs() {
    List<String> out = new ArrayList<>();
    for (String f : Servers.files(data)) {
      if (f.startsWith("uploads/") || f.startsWith("tmp/")) {
        String id = f.substring(f.indexOf('/') + 1, f.indexOf('/') + 25);
        if (!f.startsWith("uploads/") || TestClient.isTerminal(state(client.job(id)))) {
          out.add(f);
        }
      }
    }
    return out;
  }

  static boolean exists(Path p) {
    return Files.exists(p);
  }
}
