package dev.vidgen.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vidgen.api.DownloadEvent;
import dev.vidgen.api.DownloadException;
import dev.vidgen.api.ModelAccessException;
import dev.vidgen.api.ModelNotFoundException;
import dev.vidgen.testing.Fixtures;
import dev.vidgen.testing.MockHub;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Hub download against a loopback Hub ({@link MockHub}) serving the {@code modelscope-tiny} fixture folder, with
 * files a pipeline does not need beside it.
 */
class HubDownloadTest {
  static final String REPO = "someone/tiny-t2v";
  static final String UNET = "unet/diffusion_pytorch_model.safetensors";
  static final String VAE = "vae/diffusion_pytorch_model.safetensors";

  @TempDir Path tmp;
  MockHub mock;
  MockHub.Repo repo;
  List<DownloadEvent> events;

  @BeforeEach
  void start() {
    mock = new MockHub();
    repo = mock.addRepo(REPO, Fixtures.caseDir("modelscope-tiny").resolve("model"), Map.of(
        "README.md", "# tiny\n".getBytes(StandardCharsets.UTF_8),
        "unet/diffusion_pytorch_model.bin", new byte[4096], // the same weights as a pickle: never fetched
        "flax_model.msgpack", new byte[1024],
        "samples/demo.mp4", new byte[2048],
        "unet/extra/notes.json", "{}".getBytes(StandardCharsets.UTF_8)));
    events = new ArrayList<>();
  }

  @AfterEach
  void stop() {
    mock.close();
  }

  Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("HF_ENDPOINT", mock.endpoint().toString());
    env.put("HF_HUB_CACHE", tmp.resolve("cache").toString());
    return env;
  }

  Hub hub(Map<String, String> env) {
    return new Hub(HubConfig.fromEnvironment(env, tmp.resolve("home")).withRetries(3, Duration.ofMillis(5))
        .withListener(events::add));
  }

  Hub hub() {
    return hub(env());
  }

  static Path snapshotOf(Hub hub, String repoId) {
    return hub.snapshot(RepoRef.parse(repoId), null, folder -> {});
  }

  Set<String> fetched() {
    Set<String> files = new TreeSet<>();
    for (MockHub.Request r : mock.requests()) {
      String prefix = "/" + REPO + "/resolve/";
      if (r.server().equals("hub") && r.path().startsWith(prefix)) {
        files.add(r.path().substring(prefix.length() + 41));
      }
    }
    return files;
  }

  @Test
  void aFreshDownloadLaysOutThePythonCacheWithOnlyThePipelineFiles() throws IOException {
    Hub hub = hub(Map.of("HF_ENDPOINT", mock.endpoint().toString(), "HF_HUB_CACHE", tmp.resolve("cache").toString(),
        "HF_TOKEN", "hf_notgated_token"));
    Path snap = snapshotOf(hub, REPO);
    Path repoDir = tmp.resolve("cache").resolve("models--someone--tiny-t2v");
    assertEquals(repoDir.resolve("snapshots").resolve(repo.commit()), snap);
    assertEquals(repo.commit(), Files.readString(repoDir.resolve("refs/main")), "refs/main holds the bare commit");
    Set<String> expected = new TreeSet<>();
    for (Map.Entry<String, byte[]> f : repo.files().entrySet()) {
      String name = f.getKey();
      if (name.equals("README.md") || name.endsWith(".bin") || name.endsWith(".msgpack") || name.startsWith("samples/")
          || name.startsWith("unet/extra/")) {
        assertFalse(Files.exists(snap.resolve(name)), name + " is not needed by the pipeline");
        continue;
      }
      expected.add(name);
      Path pointer = snap.resolve(name);
      assertTrue(Files.isSymbolicLink(pointer), name + " is a symlink, as huggingface_hub makes it");
      String etag = MockHub.isLfs(name) ? MockHub.sha256(f.getValue()) : MockHub.gitBlobSha1(f.getValue());
      int depth = name.split("/").length - 1;
      assertEquals("../".repeat(depth) + "../../blobs/" + etag, Files.readSymbolicLink(pointer).toString(),
          name + ": a relative link to blobs/<etag>");
      assertTrue(Arrays.equals(f.getValue(), Files.readAllBytes(pointer)), name);
    }
    assertEquals(expected, fetched(), "exactly the pipeline's files were requested");
    try (Stream<Path> blobs = Files.list(repoDir.resolve("blobs"))) {
      assertTrue(blobs.noneMatch(p -> p.toString().endsWith(".incomplete")));
    }
    assertTrue(Files.exists(tmp.resolve("cache/.locks/models--someone--tiny-t2v")), "locks where Python puts them");
    List<MockHub.Request> cdn = mock.requests().stream().filter(r -> r.server().equals("cdn")).toList();
    assertEquals(3, cdn.size(), "the three weight files came from the CDN (a 302 to another host): " + cdn);
    assertTrue(cdn.stream().noneMatch(MockHub.Request::authorization), "the token never goes to the CDN");
    assertTrue(mock.requests().stream().filter(r -> r.server().equals("hub")).allMatch(MockHub.Request::authorization),
        "the token goes to the Hub");
    assertTrue(events.stream().anyMatch(e -> e.kind() == DownloadEvent.Kind.CHECKED_REVISION
        && e.message().equals(repo.commit())));
    assertEquals(expected.size(), events.stream().filter(e -> e.kind() == DownloadEvent.Kind.FINISHED).count());
    assertTrue(events.stream().anyMatch(e -> e.kind() == DownloadEvent.Kind.PROGRESS && UNET.equals(e.file())
        && e.bytes() == e.totalBytes() && e.totalBytes() == repo.files().get(UNET).length));
  }

  @Test
  void aSecondRunOnlyChecksTheRevisionAndOfflineRequestsNothing() {
    Path first = snapshotOf(hub(), REPO);
    mock.clearRequests();
    assertEquals(first, snapshotOf(hub(), REPO));
    List<MockHub.Request> second = mock.requests();
    assertEquals(1, second.size(), "only the revision check: " + second);
    assertEquals("/api/models/" + REPO + "/revision/main", second.get(0).path());
    mock.clearRequests();
    Map<String, String> offline = env();
    offline.put("HF_HUB_OFFLINE", "1");
    assertEquals(first, snapshotOf(hub(offline), REPO));
    assertEquals(List.of(), mock.requests(), "offline: nothing requested");
  }

  @Test
  void aConnectionCutHalfWayResumesWithRange() throws IOException {
    int size = repo.files().get(UNET).length;
    mock.cutOnce(REPO, UNET, size / 2);
    Path snap = snapshotOf(hub(), REPO);
    assertTrue(Arrays.equals(repo.files().get(UNET), Files.readAllBytes(snap.resolve(UNET))));
    String sha = MockHub.sha256(repo.files().get(UNET));
    List<MockHub.Request> gets = mock.requests().stream().filter(r -> r.server().equals("cdn")
        && r.path().endsWith(sha)).toList();
    assertEquals(2, gets.size(), "one cut GET, one resumed: " + gets);
    assertEquals(null, gets.get(0).range());
    // the server closed after size/2 bytes; what reached the client before the close is where it resumes
    long resumedAt = Long.parseLong(gets.get(1).range().replaceAll("bytes=(\\d+)-", "$1"));
    assertTrue(resumedAt > 0 && resumedAt <= size / 2, gets.get(1).range());
    assertTrue(events.stream().anyMatch(e -> e.kind() == DownloadEvent.Kind.RETRYING && UNET.equals(e.file())
        && e.message().contains("Range: bytes=" + resumedAt + "-")), events.toString());
  }

  @Test
  void aStalledDownloadIsDroppedAfterTheDownloadTimeoutAndResumed() throws IOException {
    int size = repo.files().get(UNET).length;
    mock.stallOnce(REPO, UNET, size / 3);
    Map<String, String> env = env();
    env.put("HF_HUB_DOWNLOAD_TIMEOUT", "0.3");
    long start = System.nanoTime();
    Path snap = snapshotOf(hub(env), REPO);
    assertTrue(Arrays.equals(repo.files().get(UNET), Files.readAllBytes(snap.resolve(UNET))));
    assertTrue(System.nanoTime() - start < 20e9, "the stall was not cut short");
    String sha = MockHub.sha256(repo.files().get(UNET));
    assertEquals(java.util.Arrays.asList(null, "bytes=" + (size / 3) + "-"), mock.requests().stream()
        .filter(r -> r.path().endsWith(sha)).map(MockHub.Request::range).toList());
    assertTrue(events.stream().anyMatch(e -> e.kind() == DownloadEvent.Kind.RETRYING
        && e.message().contains("no data for 300 ms")), events.toString());
  }

  @Test
  void aPartialFileLeftByAnEarlierRunIsResumed() throws IOException {
    byte[] unet = repo.files().get(UNET);
    String sha = MockHub.sha256(unet);
    Path blobs = Files.createDirectories(tmp.resolve("cache/models--someone--tiny-t2v/blobs"));
    Files.write(blobs.resolve(sha + ".incomplete"), Arrays.copyOf(unet, 1000));
    Path snap = snapshotOf(hub(), REPO);
    assertTrue(Arrays.equals(unet, Files.readAllBytes(snap.resolve(UNET))));
    List<MockHub.Request> gets = mock.requests().stream().filter(r -> r.path().endsWith(sha)).toList();
    assertEquals(List.of("bytes=1000-"), gets.stream().map(MockHub.Request::range).toList());
  }

  @Test
  void aWrongSha256IsAnErrorNamingTheFileAndNothingEntersTheSnapshot() throws IOException {
    mock.corrupt(REPO, VAE);
    String sha = MockHub.sha256(repo.files().get(VAE));
    DownloadException e = assertThrows(DownloadException.class, () -> snapshotOf(hub(), REPO));
    assertTrue(e.getMessage().contains(REPO) && e.getMessage().contains(VAE) && e.getMessage().contains("sha256 "
        + "mismatch") && e.getMessage().contains(sha), e.getMessage());
    Path repoDir = tmp.resolve("cache/models--someone--tiny-t2v");
    assertFalse(Files.exists(repoDir.resolve("snapshots").resolve(repo.commit()).resolve(VAE),
        java.nio.file.LinkOption.NOFOLLOW_LINKS));
    assertFalse(Files.exists(repoDir.resolve("blobs").resolve(sha)));
    assertFalse(Files.exists(repoDir.resolve("blobs").resolve(sha + ".incomplete")));
  }

  @Test
  void aGatedRepoSaysWhereToAcceptTheLicenceAndATokenOpensIt() throws IOException {
    mock.gate(REPO, "hf_accepted_secret");
    ModelAccessException noToken = assertThrows(ModelAccessException.class, () -> snapshotOf(hub(), REPO));
    assertTrue(noToken.getMessage().contains(mock.endpoint() + "/" + REPO) && noToken.getMessage().contains("HF_TOKEN")
        && noToken.getMessage().contains("licence") && noToken.getMessage().contains("no token was sent"),
        noToken.getMessage());
    Map<String, String> wrong = env();
    wrong.put("HF_TOKEN", "hf_wrong_secret");
    ModelAccessException refused = assertThrows(ModelAccessException.class, () -> snapshotOf(hub(wrong), REPO));
    assertTrue(refused.getMessage().contains("not allowed yet") && refused.getMessage().contains("HTTP 403"),
        refused.getMessage());
    assertFalse(refused.getMessage().contains("hf_wrong_secret"), "the token never appears in messages");
    // the token file huggingface-cli login writes
    Path hfHome = Files.createDirectories(tmp.resolve("hf-home"));
    Files.writeString(hfHome.resolve("token"), "hf_accepted_secret\n");
    Map<String, String> login = env();
    login.put("HF_HOME", hfHome.toString());
    Path snap = snapshotOf(hub(login), REPO);
    assertTrue(Files.isRegularFile(snap.resolve(UNET)));
    for (DownloadEvent ev : events) {
      assertFalse(String.valueOf(ev).contains("secret"), "an event shows a token: " + ev);
    }
    assertFalse(hub(login).config().toString().contains("secret"));
  }

  @Test
  void anUnknownRepositoryRevisionOrServerFailureSaysWhat() {
    ModelNotFoundException repoErr = assertThrows(ModelNotFoundException.class,
        () -> snapshotOf(hub(), "someone/does-not-exist"));
    assertTrue(repoErr.getMessage().contains("repository someone/does-not-exist was not found on " + mock.endpoint()),
        repoErr.getMessage());
    ModelNotFoundException revErr = assertThrows(ModelNotFoundException.class,
        () -> snapshotOf(hub(), REPO + "@v9"));
    assertTrue(revErr.getMessage().contains("revision 'v9' of " + REPO + " was not found"), revErr.getMessage());
    mock.addRepo("someone/not-a-pipeline", Map.of("config.json", "{}".getBytes(StandardCharsets.UTF_8)));
    ModelNotFoundException notPipeline = assertThrows(ModelNotFoundException.class,
        () -> snapshotOf(hub(), "someone/not-a-pipeline"));
    assertTrue(notPipeline.getMessage().contains("no model_index.json"), notPipeline.getMessage());
  }

  @Test
  void transientErrorsAreRetriedWithBackoffAndAnUnreachableHubFallsBackToTheCache() {
    mock.failNext("/api/models/", 503, 2);
    mock.failNext("/" + REPO + "/resolve/", 429, 1);
    Path snap = snapshotOf(hub(), REPO);
    assertEquals(3, events.stream().filter(e -> e.kind() == DownloadEvent.Kind.RETRYING).count(), events.toString());
    mock.failNext("/api/models/", 503, 100);
    events.clear();
    assertEquals(snap, snapshotOf(hub(), REPO), "a complete cached snapshot serves while the Hub is down");
    assertTrue(events.stream().anyMatch(e -> e.kind() == DownloadEvent.Kind.USING_CACHE));
    assertTrue(events.stream().noneMatch(e -> e.kind() == DownloadEvent.Kind.RETRYING),
        "with a cached snapshot, a down Hub is not waited for: " + events);
    DownloadException down = assertThrows(DownloadException.class, () -> snapshotOf(new Hub(HubConfig
        .fromEnvironment(env(), tmp).withRetries(1, Duration.ofMillis(1))), "someone/other"));
    assertTrue(down.getMessage().contains("answered HTTP 503 2 times"), down.getMessage());
  }

  @Test
  void noHubAndNoCacheSaysHowToGoOn() {
    Map<String, String> env = env();
    env.put("HF_ENDPOINT", "http://127.0.0.1:9"); // the discard port: nothing listens
    DownloadException e = assertThrows(DownloadException.class, () -> snapshotOf(new Hub(HubConfig.fromEnvironment(
        env, tmp).withRetries(1, Duration.ofMillis(1))), REPO));
    assertTrue(e.getMessage().contains("cannot reach http://127.0.0.1:9") && e.getMessage().contains("HF_HUB_OFFLINE"),
        e.getMessage());
    env.put("HF_HUB_OFFLINE", "true");
    ModelNotFoundException off = assertThrows(ModelNotFoundException.class, () -> snapshotOf(hub(env), REPO));
    assertTrue(off.getMessage().contains("downloads are off"), off.getMessage());
  }

  @Test
  void variantsAndShardsSelectOnlyTheirFiles() {
    byte[] cfg = "{}".getBytes(StandardCharsets.UTF_8);
    Map<String, byte[]> files = new HashMap<>();
    files.put("model_index.json", ("{\"_class_name\": \"TextToVideoSDPipeline\", \"unet\": [\"diffusers\", "
        + "\"UNet3DConditionModel\"], \"text_encoder\": [\"transformers\", \"CLIPTextModel\"], \"vae\": [\"diffusers\", "
        + "\"AutoencoderKL\"], \"safety_checker\": [null, null]}").getBytes(StandardCharsets.UTF_8));
    for (String c : List.of("unet", "text_encoder", "vae")) {
      files.put(c + "/config.json", cfg);
    }
    files.put("unet/diffusion_pytorch_model.safetensors", new byte[64]);
    files.put("unet/diffusion_pytorch_model.fp16.bin", new byte[63]);
    files.put("unet/diffusion_pytorch_model.safetensors.index.fp16.json", ("{\"weight_map\": {\"a\": "
        + "\"diffusion_pytorch_model.fp16-00001-of-00002.safetensors\", \"b\": "
        + "\"diffusion_pytorch_model.fp16-00002-of-00002.safetensors\"}}").getBytes(StandardCharsets.UTF_8));
    files.put("unet/diffusion_pytorch_model.fp16-00001-of-00002.safetensors", new byte[32]);
    files.put("unet/diffusion_pytorch_model.fp16-00002-of-00002.safetensors", new byte[31]);
    files.put("text_encoder/model.safetensors", new byte[40]);
    files.put("text_encoder/model.fp16.safetensors", new byte[20]);
    files.put("text_encoder/pytorch_model.bin", new byte[41]);
    files.put("vae/diffusion_pytorch_model.safetensors", new byte[30]);
    files.put("safety_checker/model.safetensors", new byte[99]);
    MockHub.Repo v = mock.addRepo("someone/variants", files);
    Hub hub = hub();
    Path snap = hub.snapshot(RepoRef.parse("someone/variants"), "fp16", f -> {});
    assertEquals(new TreeSet<>(List.of("model_index.json", "unet/config.json", "text_encoder/config.json",
        "vae/config.json", "unet/diffusion_pytorch_model.safetensors.index.fp16.json",
        "unet/diffusion_pytorch_model.fp16-00001-of-00002.safetensors",
        "unet/diffusion_pytorch_model.fp16-00002-of-00002.safetensors", "text_encoder/model.fp16.safetensors",
        "vae/diffusion_pytorch_model.safetensors")), filesUnder(snap), "fp16 where it exists, plain elsewhere");
    ModelNotFoundException none = assertThrows(ModelNotFoundException.class,
        () -> hub.snapshot(RepoRef.parse("someone/variants"), "bf16", f -> {}));
    assertTrue(none.getMessage().contains("no weight files of variant 'bf16'"), none.getMessage());
    assertEquals(v.commit(), snap.getFileName().toString());
  }

  static Set<String> filesUnder(Path snap) {
    try (Stream<Path> s = Files.walk(snap)) {
      Set<String> out = new TreeSet<>();
      s.filter(Files::isRegularFile).forEach(p -> out.add(snap.relativize(p).toString()));
      return out;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
