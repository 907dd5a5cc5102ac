package dev.vidgen.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vidgen.api.GenerationRequest;
import dev.vidgen.api.ModelNotFoundException;
import dev.vidgen.api.UnsupportedModelException;
import dev.vidgen.api.VideoPipeline;
import dev.vidgen.api.Video;
import dev.vidgen.api.VidgenException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRegistryTest {
  static class Fake implements ModelProvider {
    final String id;
    final String cls;

    Fake(String id, String cls) {
      this.id = id;
      this.cls = cls;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public String description() {
      return "fake " + id;
    }

    @Override
    public List<ModelVariant> variants() {
      return List.of(new ModelVariant(id + "-v1", List.of("org/" + id), "d", ""));
    }

    @Override
    public Set<String> pipelineClasses() {
      return Set.of(cls);
    }

    @Override
    public ModelPipeline load(ModelIndex index, LoadOptions options) {
      throw new UnsupportedOperationException("fake");
    }
  }

  static class Other extends Fake {
    Other() {
      super("alpha", "OtherPipeline");
    }
  }

  @Test
  void selectsByIdAliasRepoAndPipelineClass(@TempDir Path tmp) throws Exception {
    Fake a = new Fake("alpha", "AlphaPipeline");
    Fake b = new Fake("beta", "BetaPipeline");
    ModelRegistry r = new ModelRegistry(List.of(a, b));
    assertSame(a, r.find("ALPHA").provider());
    assertSame(b, r.find("beta-v1").provider());
    assertSame(b, r.find("org/beta").provider());
    assertEquals(null, r.find("gamma"));
    Files.writeString(tmp.resolve("model_index.json"), "{\"_class_name\": \"BetaPipeline\", \"unet\": "
        + "[\"diffusers\", \"X\"], \"safety_checker\": [null, null]}");
    ModelIndex idx = ModelIndex.read(tmp);
    assertEquals(Map.of("unet", List.of("diffusers", "X")), idx.components());
    assertSame(b, r.forPipelineClass(idx));
    Files.writeString(tmp.resolve("model_index.json"), "{\"_class_name\": \"NopePipeline\"}");
    UnsupportedModelException e = assertThrows(UnsupportedModelException.class,
        () -> r.forPipelineClass(ModelIndex.read(tmp)));
    assertTrue(e.getMessage().contains("NopePipeline") && e.getMessage().contains("AlphaPipeline"), e.getMessage());
  }

  @Test
  void twoProvidersClaimingOneIdIsAnErrorNamingBoth() {
    VidgenException e = assertThrows(VidgenException.class,
        () -> new ModelRegistry(List.of(new Fake("alpha", "AlphaPipeline"), new Other())));
    assertTrue(e.getMessage().contains("'alpha'") && e.getMessage().contains(Fake.class.getName())
        && e.getMessage().contains(Other.class.getName()), e.getMessage());
  }

  @Test
  void unknownIdListsKnownOnes() {
    ModelRegistry r = new ModelRegistry(List.of(new Fake("alpha", "AlphaPipeline")));
    ModelNotFoundException e = assertThrows(ModelNotFoundException.class,
        () -> VideoPipeline.builder().registry(r).model("gamma").build());
    assertTrue(e.getMessage().contains("unknown model 'gamma'") && e.getMessage().contains("alpha-v1"),
        e.getMessage());
  }

  /** A remote provider that records what it was asked to connect to. */
  static class Far implements RemoteModelProvider {
    String model;
    LoadOptions options;

    @Override
    public String id() {
      return "far";
    }

    @Override
    public String description() {
      return "fake remote";
    }

    @Override
    public List<ModelVariant> variants() {
      return List.of(new ModelVariant("far:known-1", List.of(), "a known remote model", ""));
    }

    @Override
    public Set<String> optionNames() {
      return Set.of("far.key", "far.baseUrl");
    }

    @Override
    public ModelPipeline connect(String model, LoadOptions options) {
      this.model = model;
      this.options = options;
      return new ModelPipeline() {
        @Override
        public String pipelineClass() {
          return "far";
        }

        @Override
        public GenerationDefaults defaults() {
          return new GenerationDefaults(8, 8, 1, 0, 0, 1, 1, "none");
        }

        @Override
        public String schedulerName() {
          return "none";
        }

        @Override
        public ModelPipeline withScheduler(String scheduler) {
          throw new UnsupportedOperationException();
        }

        @Override
        public boolean acceptsImageUri() {
          return true;
        }

        @Override
        public Video generate(GenerationRequest request, String modelName) {
          return new Video(new float[3], 1, 1, 1, 1, null);
        }

        @Override
        public long liveNativeArrays() {
          return 0;
        }

        @Override
        public void close() {}
      };
    }
  }

  @Test
  void remoteNamesGoToTheirProviderWithTheModelAfterTheColonAndTheOptions() {
    Far far = new Far();
    ModelRegistry r = new ModelRegistry(List.of(new Fake("alpha", "AlphaPipeline"), far));
    assertSame(far, r.findRemote("FAR:anything"));
    assertEquals(null, r.findRemote("alpha:x"), "a local provider's id is no remote prefix");
    assertEquals(null, r.findRemote("far"));
    try (VideoPipeline p = VideoPipeline.builder().registry(r).model("far:brand-new.model")
        .option("far.key", "s3cret").build()) {
      assertEquals("brand-new.model", far.model, "unknown model names pass through");
      assertEquals(Map.of("far.key", "s3cret"), far.options.providerOptions());
      assertEquals(null, far.options.model());
      assertTrue(!far.options.toString().contains("s3cret") && far.options.toString().contains("far.key"),
          far.options.toString());
      p.generate(GenerationRequest.builder().prompt("x").imageUri(URI.create("https://example.com/a.png")).build());
    }
    VideoPipeline.builder().registry(r).model("far:known-1").build().close();
    assertEquals("known-1", far.model);
    assertEquals("far:known-1", far.options.model().alias(), "a listed model brings its variant");
  }

  @Test
  void remoteModelsRefuseLocalSettingsAndUnknownOptions() {
    ModelRegistry r = new ModelRegistry(List.of(new Far()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> VideoPipeline.builder().registry(r).model("far:m").scheduler("ddim").build());
    assertTrue(e.getMessage().contains("'far:m' runs on far's service") && e.getMessage().contains("scheduler"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> VideoPipeline.builder().registry(r).model("far:m").device("cuda").build());
    assertTrue(e.getMessage().contains("device"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> VideoPipeline.builder().registry(r).model("far:m").option("far.kee", "v").build());
    assertTrue(e.getMessage().contains("no option 'far.kee'") && e.getMessage().contains("[far.baseUrl, far.key]"),
        e.getMessage());
    ModelNotFoundException bare = assertThrows(ModelNotFoundException.class,
        () -> VideoPipeline.builder().registry(r).model("far").build());
    assertTrue(bare.getMessage().contains("name one of its models as far:<model>"), bare.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> VideoPipeline.builder().registry(r).model("far:").build());
    assertTrue(e.getMessage().contains("names no model after 'far:'") && e.getMessage().contains("far:known-1"),
        e.getMessage());
  }

  @Test
  void localProvidersRefuseOptionsTheyDoNotRead(@TempDir Path tmp) throws Exception {
    Files.writeString(tmp.resolve("model_index.json"), "{\"_class_name\": \"AlphaPipeline\"}");
    ModelRegistry r = new ModelRegistry(List.of(new Fake("alpha", "AlphaPipeline")));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> VideoPipeline.builder().registry(r).folder(tmp).option("runway.timeout", "PT1M").build());
    assertTrue(e.getMessage().contains("provider 'alpha'") && e.getMessage().contains("no option 'runway.timeout'")
        && e.getMessage().contains("no options"), e.getMessage());
  }
}
