package dev.vidgen.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vidgen.api.ModelNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelLocatorTest {
  @TempDir Path tmp;

  /** Builds the layout huggingface_hub writes: models--org--name/{refs/main, snapshots/<rev>/...}. */
  private Path fakeCache(Path hub, String repo, String rev) throws Exception {
    Path repoDir = hub.resolve("models--" + repo.replace("/", "--"));
    Path snap = Files.createDirectories(repoDir.resolve("snapshots").resolve(rev));
    Files.writeString(snap.resolve("model_index.json"), "{\"_class_name\": \"TextToVideoSDPipeline\"}");
    Files.createDirectories(repoDir.resolve("refs"));
    Files.writeString(repoDir.resolve("refs").resolve("main"), rev + "\n");
    Files.createDirectories(repoDir.resolve("blobs"));
    return snap;
  }

  @Test
  void findsTheSnapshotOfRefsMainInTheDefaultCache() throws Exception {
    Path home = tmp.resolve("home");
    Path snap = fakeCache(home.resolve(".cache/huggingface/hub"), "ali-vilab/text-to-video-ms-1.7b", "abc123");
    ModelLocator loc = new ModelLocator(Map.of(), home);
    assertEquals(snap, loc.locate("modelscope", List.of("ali-vilab/text-to-video-ms-1.7b")));
  }

  @Test
  void honoursHfHubCacheThenHfHome() throws Exception {
    Path viaHome = fakeCache(tmp.resolve("hfhome/hub"), "org/m", "r1");
    assertEquals(viaHome, new ModelLocator(Map.of("HF_HOME", tmp.resolve("hfhome").toString()), tmp)
        .locate("m", List.of("org/m")));
    Path viaCache = fakeCache(tmp.resolve("cache"), "org/m", "r2");
    assertEquals(viaCache, new ModelLocator(Map.of("HF_HOME", tmp.resolve("hfhome").toString(), "HF_HUB_CACHE",
        tmp.resolve("cache").toString()), tmp).locate("m", List.of("org/m")));
  }

  @Test
  void triesEveryRepoIdAndVidgenHome() throws Exception {
    Path snap = fakeCache(tmp.resolve("hub"), "damo-vilab/text-to-video-ms-1.7b", "r");
    ModelLocator loc = new ModelLocator(Map.of("HF_HUB_CACHE", tmp.resolve("hub").toString()), tmp);
    assertEquals(snap, loc.locate("modelscope", List.of("ali-vilab/text-to-video-ms-1.7b",
        "damo-vilab/text-to-video-ms-1.7b")));
    Path mine = Files.createDirectories(tmp.resolve("vh/modelscope"));
    Files.writeString(mine.resolve("model_index.json"), "{}");
    ModelLocator withHome = new ModelLocator(Map.of("VIDGEN_HOME", tmp.resolve("vh").toString(), "HF_HUB_CACHE",
        tmp.resolve("hub").toString()), tmp);
    assertEquals(mine, withHome.locate("modelscope", List.of("damo-vilab/text-to-video-ms-1.7b")));
  }

  @Test
  void notFoundSaysWhereItLookedAndHowToDownload() {
    ModelLocator loc = new ModelLocator(Map.of("HF_HUB_CACHE", tmp.resolve("empty").toString()), tmp);
    ModelNotFoundException e = assertThrows(ModelNotFoundException.class,
        () -> loc.locate("modelscope", List.of("ali-vilab/text-to-video-ms-1.7b")));
    assertTrue(e.getMessage().contains(tmp.resolve("empty").resolve("models--ali-vilab--text-to-video-ms-1.7b")
        .toString()), e.getMessage());
    assertTrue(e.getMessage().contains("huggingface-cli download ali-vilab/text-to-video-ms-1.7b"), e.getMessage());
  }
}
