package dev.vidgen.server;

import static dev.vidgen.server.TestClient.state;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Uploads through {@code multipart/form-data}: an image-to-video job from an uploaded image (the svd-tiny fixture
 * model serves as {@code svd-xt}), and every refused upload: over the size limit (413, with and without a
 * Content-Length), not an image (415), a truncated image (415), an image whose header declares too many pixels (413,
 * refused before decoding). Client file names never reach the file system.
 */
class UploadTest {
  static final long MAX_UPLOAD = 64 * 1024;

  @TempDir static Path data;
  @TempDir static Path models;
  static VidgenServer server;
  static TestClient client;

  @BeforeAll
  static void start() {
    assumeTrue(Servers.fixtures() != null && Files.isDirectory(Servers.fixtures().resolve("svd-tiny")),
        "the build sets -Dvidgen.fixtures to the repository's fixtures/ folder");
    Servers.svdTinyAsSvdXt(models);
    server = Servers.start(data, models, b -> b.maxUploadBytes(MAX_UPLOAD));
    client = new TestClient(server.url());
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.stop();
    }
  }

  static byte[] conditioningPng() throws IOException {
    return Files.readAllBytes(Servers.fixtures().resolve("svd-tiny").resolve("conditioning.png"));
  }

  @Test
  void imageToVideoFromAnUploadedImage() throws IOException {
    TestClient.Response r = client.postMultipart(Map.of("model", "svd-xt", "frames", "6", "height", "32", "width",
        "48", "steps", "3", "seed", "31337", "fps", "7"), "image", "conditioning.png", conditioningPng());
    assertEquals(202, r.status(), r::text);
    JsonObject accepted = r.json();
    assertTrue(accepted.getAsJsonObject("request").get("image").getAsBoolean());
    String id = accepted.get("id").getAsString();
    JsonObject done = client.awaitState(id, "succeeded", Duration.ofSeconds(120));
    assertEquals("StableVideoDiffusionPipeline", done.getAsJsonObject("result").get("pipeline").getAsString());
    assertEquals(6, done.getAsJsonObject("result").get("frames").getAsInt());
    assertEquals(200, client.get("/v1/jobs/" + id + "/video").status());
    assertFalse(Files.exists(data.resolve("uploads").resolve(id + ".image")), "the upload is deleted once used");
    assertEquals(0, Servers.files(data.resolve("uploads")).size());
    assertEquals(0, Servers.files(data.resolve("tmp")).size());
  }

  @Test
  void anImageForATextToVideoModelFailsTheJobWithTheReason() throws IOException {
    TestClient.Response r = client.postMultipart(Map.of("prompt", "a red circle moving right", "steps", "1"), "image",
        "x.png", conditioningPng());
    assertEquals(202, r.status(), r::text);
    JsonObject done = client.awaitTerminal(r.json().get("id").getAsString(), Duration.ofSeconds(60));
    assertEquals("failed", state(done));
    assertTrue(done.get("error").getAsString().contains("takes no image"), done::toString);
  }

  @Test
  void anUploadOverTheLimitIs413() {
    byte[] big = new byte[(int) MAX_UPLOAD * 3];
    new Random(1).nextBytes(big);
    TestClient.Response r = client.postMultipart(Map.of("prompt", "x"), "image", "big.png", big);
    assertEquals(413, r.status(), r::text);
    assertTrue(r.error().contains("at most " + MAX_UPLOAD + " bytes"), r::text);
  }

  @Test
  void aStreamedBodyOverTheLimitIs413Too() {
    // no Content-Length: the server counts while reading
    byte[] big = ("{\"prompt\": \"" + "x".repeat((int) MAX_UPLOAD * 2) + "\"}").getBytes(StandardCharsets.UTF_8);
    TestClient.Response r = client.send(client.request("/v1/jobs").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))).build());
    assertEquals(413, r.status(), r::text);
  }

  @Test
  void somethingThatIsNotAnImageIs415AndItsNameIsIgnored() {
    TestClient.Response r = client.postMultipart(Map.of("prompt", "x"), "image", "../../../../etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\n".getBytes(StandardCharsets.UTF_8));
    assertEquals(415, r.status(), r::text);
    assertTrue(r.error().contains("not an image"), r::text);
    for (String f : Servers.files(data)) {
      assertFalse(f.contains("passwd") || f.contains("etc"), f);
    }
    assertFalse(Files.exists(data.getParent().resolve("etc")));
  }

  @Test
  void aTruncatedImageIs415() throws IOException {
    byte[] png = conditioningPng();
    TestClient.Response r = client.postMultipart(Map.of("prompt", "x"), "image", "cut.png",
        Arrays.copyOf(png, png.length / 2));
    assertEquals(415, r.status(), r::text);
  }

  @Test
  void anEmptyImagePartIs415() {
    TestClient.Response r = client.postMultipart(Map.of("prompt", "x"), "image", "empty.png", new byte[0]);
    assertEquals(415, r.status(), r::text);
  }

  @Test
  void anImageDeclaringTooManyPixelsIs413BeforeDecoding() throws IOException {
    // 84 bytes that claim 100000 x 100000 pixels: decoding it would need 40 GB
    TestClient.Response r = client.postMultipart(Map.of("prompt", "x"), "image", "bomb.png", pngHeader(100_000,
        100_000));
    assertEquals(413, r.status(), r::text);
    assertTrue(r.error().contains("100000x100000"), r::text);
  }

  @Test
  void aFileInAPlainFieldIs400() {
    TestClient.Response r = client.postMultipart(Map.of(), "prompt", "prompt.txt", "x".getBytes(StandardCharsets.UTF_8));
    assertEquals(400, r.status(), r::text);
    assertTrue(r.error().contains("'prompt'"), r::text);
  }

  /** A PNG signature, an IHDR chunk declaring {@code w x h} RGB pixels, and IEND: no image data. */
  static byte[] pngHeader(int w, int h) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DataOutputStream d = new DataOutputStream(out);
    d.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
    DataOutputStream i = new DataOutputStream(ihdr);
    i.writeInt(w);
    i.writeInt(h);
    i.write(new byte[] {8, 2, 0, 0, 0}); // 8-bit RGB, deflate, no filter method, no interlace
    chunk(d, "IHDR", ihdr.toByteArray());
    chunk(d, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(DataOutputStream d, String type, byte[] body) throws IOException {
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    d.writeInt(body.length);
    d.write(t);
    d.write(body);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(body);
    d.writeInt((int) crc.getValue());
  }
}
