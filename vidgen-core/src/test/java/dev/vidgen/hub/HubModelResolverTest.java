package dev.vidgen.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vidgen.api.ModelNotFoundException;
import dev.vidgen.api.UnsupportedModelException;
import dev.vidgen.spi.LoadOptions;
import dev.vidgen.spi.ModelIndex;
import dev.vidgen.spi.ModelPipeline;
import dev.vidgen.spi.ModelProvider;
import dev.vidgen.spi.ModelRegistry;
import dev.vidgen.spi.ModelVariant;
import dev.vidgen.testing.Fixtures;
import dev.vidgen.testing.MockHub;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How names become folders: folders, $VIDGEN_HOME, the Hugging Face cache (as Python fills it), the Hub. */
class HubModelResolverTest {
  @TempDir Path tmp;

  /** Serves TextToVideoSDPipeline under the alias "t2v" for two repositories; never loads anything. */
  static final class T2V implements ModelProvider {
    @Override
    public String id() {
      return "t2v";
    }

    @Override
    public String description() {
      return "test provider";
    }

    @Override
    public List<ModelVariant> variants() {
      return List.of(new ModelVariant("t2v", List.of("ali-vilab/text-to-video-ms-1.7b",
          "damo-vilab/text-to-video-ms-1.7b"), "d", ""));
    }

    @Override
    public Set<String> pipelineClasses() {
      return Set.of("TextToVideoSDPipeline", "LTXPipeline");
    }

    @Override
    public ModelPipeline load(ModelIndex index, LoadOptions options) {
      throw new UnsupportedOperationException("not loaded in this test");
    }
  }

  final ModelRegistry registry = new ModelRegistry(List.of(new T2V()));

  /** Builds the layout huggingface_hub writes: models--org--name/{refs/main, snapshots/<rev>/...}. */
  static Path fakeCache(Path hub, String repo, String rev) throws Exception {
    Path repoDir = hub.resolve("models--" + repo.replace("/", "--"));
    Path snap = Files.createDirectories(repoDir.resolve("snapshots").resolve(rev));
    Files.writeString(snap.resolve("model_index.json"), "{\"_class_name\": \"TextToVideoSDPipeline\"}");
    Files.createDirectories(repoDir.resolve("refs"));
    Files.writeString(repoDir.resolve("refs").resolve("main"), rev + "\n");
    Files.createDirectories(repoDir.resolve("blobs"));
    return snap;
  }

  static final String REV1 = "1".repeat(40);
  static final String REV2 = "2".repeat(40);

  ModelResolver.Resolved offline(Map<String, String> env, Path home, String model) {
    ModelLocator loc = new ModelLocator(env, home);
    return new ModelResolver(registry, loc, loc.hubConfig().withOffline(true)).resolve(model, null, null);
  }

  @Test
  void findsTheSnapshotOfRefsMainInTheDefaultCache() throws Exception {
    Path home = tmp.resolve("home");
    Path snap = fakeCache(home.resolve(".cache/huggingface/hub"), "ali-vilab/text-to-video-ms-1.7b", REV1);
    ModelResolver.Resolved r = offline(Map.of(), home, "t2v");
    assertEquals(snap, r.folder());
    assertEquals("ali-vilab/text-to-video-ms-1.7b", r.repo().repo());
    assertEquals("t2v", r.match().variant().alias());
  }

  @Test
  void honoursHfHubCacheThenHfHome() throws Exception {
    Path viaHome = fakeCache(tmp.resolve("hfhome/hub"), "org/m", REV1);
    assertEquals(viaHome, offline(Map.of("HF_HOME", tmp.resolve("hfhome").toString()), tmp, "org/m").folder());
    Path viaCache = fakeCache(tmp.resolve("cache"), "org/m", REV2);
    assertEquals(viaCache, offline(Map.of("HF_HOME", tmp.resolve("hfhome").toString(), "HF_HUB_CACHE",
        tmp.resolve("cache").toString()), tmp, "org/m").folder());
    assertEquals(viaCache, offline(Map.of("HF_HUB_CACHE", tmp.resolve("cache").toString()), tmp, "org/m@" + REV2)
        .folder(), "a commit revision names its snapshot");
  }

  @Test
  void triesEveryRepoIdOfAnAliasAndVidgenHomeFirst() throws Exception {
    Path snap = fakeCache(tmp.resolve("hub"), "damo-vilab/text-to-video-ms-1.7b", REV1);
    assertEquals(snap, offline(Map.of("HF_HUB_CACHE", tmp.resolve("hub").toString()), tmp, "t2v").folder());
    Path mine = Files.createDirectories(tmp.resolve("vh/t2v"));
    Files.writeString(mine.resolve("model_index.json"), "{}");
    assertEquals(mine, offline(Map.of("VIDGEN_HOME", tmp.resolve("vh").toString(), "HF_HUB_CACHE",
        tmp.resolve("hub").toString()), tmp, "t2v").folder());
    Path folder = Files.createDirectories(tmp.resolve("some/folder"));
    assertEquals(folder, offline(Map.of(), tmp, folder.toString()).folder());
    assertNull(offline(Map.of(), tmp, folder.toString()).match());
  }

  @Test
  void offlineAndNotFoundSaysWhereItLookedAndWhatToDo() {
    ModelNotFoundException e = assertThrows(ModelNotFoundException.class,
        () -> offline(Map.of("HF_HUB_CACHE", tmp.resolve("empty").toString()), tmp, "t2v"));
    assertTrue(e.getMessage().contains(tmp.resolve("empty").resolve("models--ali-vilab--text-to-video-ms-1.7b")
        .toString()) && e.getMessage().contains("downloads are off")
        && e.getMessage().contains("vidgen pull ali-vilab/text-to-video-ms-1.7b"), e.getMessage());
    ModelNotFoundException unknown = assertThrows(ModelNotFoundException.class,
        () -> offline(Map.of(), tmp, "nonsense"));
    assertTrue(unknown.getMessage().contains("unknown model 'nonsense'") && unknown.getMessage().contains("t2v"),
        unknown.getMessage());
  }

  @Test
  void aFineTuneUnderItsOwnIdDownloadsAndAnUnsupportedClassIsRefusedBeforeItsWeights() {
    try (MockHub mock = new MockHub()) {
      mock.addRepo("someone/my-t2v-finetune", Fixtures.caseDir("modelscope-tiny").resolve("model"), Map.of());
      Map<String, byte[]> other = new HashMap<>();
      other.put("model_index.json", ("{\"_class_name\": \"StableDiffusion3Pipeline\", \"transformer\": "
          + "[\"diffusers\", \"SD3Transformer2DModel\"]}").getBytes(StandardCharsets.UTF_8));
      other.put("transformer/config.json", "{}".getBytes(StandardCharsets.UTF_8));
      other.put("transformer/diffusion_pytorch_model.safetensors", new byte[1000]);
      mock.addRepo("someone/sd3", other);
      ModelLocator loc = new ModelLocator(Map.of("HF_ENDPOINT", mock.endpoint().toString(), "HF_HUB_CACHE",
          tmp.resolve("cache").toString()), tmp);
      ModelResolver resolver = new ModelResolver(registry, loc, loc.hubConfig());
      ModelResolver.Resolved r = resolver.resolve("someone/my-t2v-finetune", null, null);
      assertEquals("TextToVideoSDPipeline", ModelIndex.read(r.folder()).pipelineClass());
      assertSame(null, r.match(), "found by its pipeline class, not by a name the registry knows");
      assertTrue(Files.isRegularFile(r.folder().resolve("unet/diffusion_pytorch_model.safetensors")));
      mock.clearRequests();
      UnsupportedModelException e = assertThrows(UnsupportedModelException.class,
          () -> resolver.resolve("someone/sd3", null, null));
      assertTrue(e.getMessage().contains("'StableDiffusion3Pipeline'") && e.getMessage().contains("LTXPipeline")
          && e.getMessage().contains("TextToVideoSDPipeline"), e.getMessage());
      String commit = mock.requests().get(1).path().split("/")[4];
      assertEquals(List.of("GET /api/models/someone/sd3/revision/main",
          "HEAD /someone/sd3/resolve/" + commit + "/model_index.json",
          "GET /someone/sd3/resolve/" + commit + "/model_index.json"),
          mock.requests().stream().map(q -> q.method() + " " + q.path()).toList(),
          "nothing but the revision and model_index.json was requested");
    }
  }
}
