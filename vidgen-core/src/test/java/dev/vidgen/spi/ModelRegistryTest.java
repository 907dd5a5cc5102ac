package dev.vidgen.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vidgen.api.ModelNotFoundException;
import dev.vidgen.api.UnsupportedModelException;
import dev.vidgen.api.VideoPipeline;
import dev.vidgen.api.VidgenException;
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
}
