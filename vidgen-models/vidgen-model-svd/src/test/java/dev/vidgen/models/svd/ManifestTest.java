package dev.vidgen.models.svd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vidgen.testing.Fixtures;
import dev.vidgen.weights.JsonConfig;
import dev.vidgen.weights.ManifestWeights;
import dev.vidgen.weights.TensorShapes;
import dev.vidgen.weights.WeightLoader;
import dev.vidgen.weights.Weights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * The real Stable Video Diffusion XT architectures: built from the published {@code config.json} against the
 * manifest of names and shapes (no weights), each model must request exactly the tensors diffusers builds.
 */
class ManifestTest {
  private static Path manifestDir(String name) {
    return Fixtures.root().resolve("manifests").resolve(name);
  }

  /** Builds with {@code build}, finishes strictly, and compares requested names+shapes with the manifest's. */
  private static void assertRequestsExactly(Path dir, JsonConfig config, int expectedCount,
      BiConsumer<JsonConfig, Weights> build) {
    try (NDManager m = NDManager.newBaseManager();
        ManifestWeights src = ManifestWeights.read(dir.resolve("manifest.json"))) {
      WeightLoader loader = new WeightLoader(src, m, DataType.FLOAT32);
      build.accept(config, loader.root());
      loader.finish(dir.getFileName().toString(), List.of());
      Map<String, String> expected = new TreeMap<>();
      for (String k : src.keys()) {
        expected.put(k, TensorShapes.str(src.info(k).shape()));
      }
      Map<String, String> requested = new TreeMap<>();
      loader.requested().forEach((k, s) -> requested.put(k, TensorShapes.str(s)));
      assertEquals(expected, requested);
      assertEquals(expectedCount, requested.size());
    }
  }

  @Test
  void svdXtUnet() {
    Path dir = manifestDir("svd-xt-unet");
    assertRequestsExactly(dir, JsonConfig.read(dir.resolve("config.json")), 1428,
        (c, w) -> new UNetSpatioTemporalConditionModel(UNetSpatioTemporalConditionConfig.parse(c), w));
  }

  @Test
  void svdXtVae() {
    Path dir = manifestDir("svd-xt-vae");
    assertRequestsExactly(dir, JsonConfig.read(dir.resolve("config.json")), 374,
        (c, w) -> new AutoencoderKLTemporalDecoder(AutoencoderKLTemporalDecoderConfig.parse(c), w));
  }

  /** The 14-frame img2vid config (an alternate in the manifest) gives the same tensors. */
  @Test
  void svdUnetAlternateConfigs() throws IOException {
    Path dir = manifestDir("svd-xt-unet");
    JsonObject manifest = JsonParser.parseString(Files.readString(dir.resolve("manifest.json"))).getAsJsonObject();
    for (JsonElement alt : manifest.getAsJsonArray("alternate_configs")) {
      JsonObject cfg = alt.getAsJsonObject().getAsJsonObject("config");
      assertRequestsExactly(dir, new JsonConfig("alternate config.json", cfg), 1428,
          (c, w) -> new UNetSpatioTemporalConditionModel(UNetSpatioTemporalConditionConfig.parse(c), w));
    }
  }
}
