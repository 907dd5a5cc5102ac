package dev.vidgen.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The retention limit, the API key, and the refusal to listen beyond loopback without one. */
class RetentionAndAuthTest {
  static final String KEY = "k3y-for-tests-0123456789";

  @TempDir Path data;

  @Test
  void onlyTheNewestFinishedJobsAreKeptWithTheirFiles() {
    try (VidgenServer s = Servers.start(data, b -> b.keepJobs(2))) {
      TestClient c = new TestClient(s.url());
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        String id = c.submit("{\"prompt\": \"a red square moving up\", \"steps\": 1, \"scale\": 1}");
        c.awaitState(id, "succeeded", Duration.ofSeconds(120));
        ids.add(id);
      }
      TestClient.sleep(100); // retention runs right after the worker records the job
      assertEquals(404, c.get("/v1/jobs/" + ids.get(0)).status(), "the oldest finished job is gone");
      assertFalse(Files.exists(data.resolve("videos").resolve(ids.get(0) + ".mp4")));
      assertFalse(Files.exists(data.resolve("jobs").resolve(ids.get(0) + ".json")));
      assertEquals(200, c.get("/v1/jobs/" + ids.get(1) + "/video").status());
      assertEquals(200, c.get("/v1/jobs/" + ids.get(2) + "/video").status());
      assertEquals(List.of(ids.get(1) + ".json", ids.get(2) + ".json").stream().sorted().toList(),
          Servers.files(data.resolve("jobs")));
    }
  }

  @Test
  void anApiKeyGuardsTheApiButNotThePageOrHealth() {
    try (VidgenServer s = Servers.start(data, b -> b.apiKey(KEY))) {
      TestClient anonymous = new TestClient(s.url());
      TestClient wrong = new TestClient(s.url(), "not-the-key-0123456789");
      TestClient right = new TestClient(s.url(), KEY);
      TestClient.Response r = anonymous.get("/v1/jobs");
      assertEquals(401, r.status());
      assertTrue(r.header("WWW-Authenticate").startsWith("Bearer"));
      assertTrue(r.error().contains("API key"), r::text);
      assertEquals(401, wrong.get("/v1/models").status());
      assertEquals(401, anonymous.postJson("{\"prompt\": \"x\"}").status());
      assertEquals(200, right.get("/v1/jobs").status());
      String id = right.submit("{\"prompt\": \"a red circle moving up\", \"steps\": 1, \"scale\": 1}");
      right.awaitState(id, "succeeded", Duration.ofSeconds(120));
      assertEquals(401, anonymous.get("/v1/jobs/" + id + "/video").status());
      assertEquals(401, anonymous.get("/v1/jobs/" + id + "/events").status());
      assertEquals(200, right.get("/v1/jobs/" + id + "/video").status());
      assertEquals(200, anonymous.get("/").status(), "the page holds no secret; it asks for the key");
      assertEquals(200, anonymous.get("/health").status());
    }
  }

  @Test
  void bindingBeyondLoopbackNeedsAKey() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ServerConfig.builder().host("0.0.0.0").build());
    assertTrue(e.getMessage().contains("--api-key-file"), e.getMessage());
    assertTrue(ServerConfig.builder().host("0.0.0.0").apiKey(KEY).build().apiKey().equals(KEY));
    assertTrue(ServerConfig.builder().host("localhost").build().apiKey() == null);
    assertThrows(IllegalArgumentException.class, () -> ServerConfig.builder().apiKey("short"));

    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = ServeCommand.run(new String[] {"--host", "0.0.0.0", "--port", "0", "--data", data.toString()},
        new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(2, code);
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("reachable from other machines"), err::toString);
    assertFalse(Files.exists(data.resolve("jobs")), "refused before touching the data folder");
  }

  @Test
  void serveFlagsParse() throws Exception {
    Path keyFile = data.resolve("key");
    Files.writeString(keyFile, KEY + "\n");
    ServerConfig c = ServeCommand.parse(List.of("--host", "127.0.0.1", "--port=0", "--data", "d", "--workers", "2",
        "--queue", "5", "--max-upload", "2m", "--api-key-file", keyFile.toString(), "--keep", "9"), System.err);
    assertEquals(0, c.port());
    assertEquals(2, c.workers());
    assertEquals(5, c.queueCapacity());
    assertEquals(2L << 20, c.maxUploadBytes());
    assertEquals(KEY, c.apiKey());
    assertEquals(9, c.keepJobs());
    assertThrows(IllegalArgumentException.class, () -> ServeCommand.parse(List.of("--port", "x"), System.err));
    assertThrows(IllegalArgumentException.class, () -> ServeCommand.parse(List.of("--bogus", "1"), System.err));
    assertThrows(IllegalArgumentException.class, () -> ServeCommand.parse(List.of("--workers"), System.err));
  }
}
