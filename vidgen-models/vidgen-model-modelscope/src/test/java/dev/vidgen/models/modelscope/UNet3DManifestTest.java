package dev.vidgen.models.modelscope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.vidgen.api.WeightsException;
import dev.vidgen.testing.Fixtures;
import dev.vidgen.weights.JsonConfig;
import dev.vidgen.weights.ManifestWeights;
import dev.vidgen.weights.WeightLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real architectures without their gigabytes: built from the published {@code config.json} (and every {@code
 * alternate_configs} entry of {@code manifest.json}) on {@link ManifestWeights}, the model must request exactly the
 * tensors, with exactly the shapes, that diffusers v0.32.2 builds from that config.
 */
class UNet3DManifestTest {
  static final List<String> MANIFESTS = List.of("modelscope-unet", "zeroscope-v2-576w-unet");

  static Stream<Arguments> configs() throws IOException {
    List<Arguments> out = new ArrayList<>();
    for (String name : MANIFESTS) {
      Path dir = Fixtures.root().resolve("manifests").resolve(name);
      out.add(Arguments.of(name + " config.json", JsonConfig.read(dir.resolve("config.json")), dir));
      JsonObject manifest = JsonParser.parseString(Files.readString(dir.resolve("manifest.json"))).getAsJsonObject();
      if (manifest.has("alternate_configs")) {
        int i = 0;
        for (JsonElement alt : manifest.getAsJsonArray("alternate_configs")) {
          String label = name + "/manifest.json alternate_configs[" + i++ + "]";
          out.add(Arguments.of(label, new JsonConfig(label, alt.getAsJsonObject().getAsJsonObject("config")), dir));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void requestsExactlyTheManifestTensors(String label, JsonConfig json, Path dir) {
    UNet3DConfig config = UNet3DConfig.parse(json);
    ManifestWeights source = ManifestWeights.read(dir.resolve("manifest.json"));
    try (NDManager manager = NDManager.newBaseManager()) {
      WeightLoader loader = new WeightLoader(source, manager, DataType.FLOAT32);
      UNet3DConditionModel unet = new UNet3DConditionModel(config, loader.root());
      Map<String, List<Long>> requested = shapes(loader.requested());
      Map<String, List<Long>> expected = new TreeMap<>();
      for (String k : source.keys()) {
        expected.put(k, boxed(source.info(k).shape()));
      }
      TreeSet<String> missing = new TreeSet<>(expected.keySet());
      missing.removeAll(requested.keySet());
      TreeSet<String> extra = new TreeSet<>(requested.keySet());
      extra.removeAll(expected.keySet());
      assertTrue(missing.isEmpty() && extra.isEmpty(), label + ": not requested " + missing + "; not in manifest " + extra);
      assertEquals(expected, requested, label + ": shapes differ");
      loader.finish(UNet3DConditionModel.CLASS_NAME, List.of());
      assertEquals(1480, requested.size(), label + ": tensor count");
      assertEquals(config, unet.config());
      System.out.println(label + ": " + requested.size() + " tensors requested = manifest");
    }
  }

  /** The manifest check can fail: a config that changes shapes or counts is caught, naming the tensor. */
  @Test
  void aWrongConfigIsCaughtAgainstTheManifest() {
    Path dir = Fixtures.root().resolve("manifests").resolve("modelscope-unet");
    JsonConfig base = JsonConfig.read(dir.resolve("config.json"));
    try (NDManager manager = NDManager.newBaseManager()) {
      // cross_attention_dim 768 (SD 1.x text width) instead of 1024: attn2.to_k has the wrong shape
      WeightLoader l1 = new WeightLoader(ManifestWeights.read(dir.resolve("manifest.json")), manager,
          DataType.FLOAT32);
      UNet3DConfig wrongDim = UNet3DConfig.parse(base.with("cross_attention_dim", new JsonPrimitive(768)));
      WeightsException e1 = assertThrows(WeightsException.class, () -> new UNet3DConditionModel(wrongDim, l1.root()));
      assertTrue(e1.getMessage().contains("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight")
          && e1.getMessage().contains("[320,1024]") && e1.getMessage().contains("cross_attention_dim=768"),
          e1.getMessage());
      // up_blocks.1 without attention: builds, but leaves the checkpoint's up_blocks.1 transformers unused
      WeightLoader l2 = new WeightLoader(ManifestWeights.read(dir.resolve("manifest.json")), manager,
          DataType.FLOAT32);
      JsonArray up = new JsonArray();
      for (String t : List.of("UpBlock3D", "UpBlock3D", "CrossAttnUpBlock3D", "CrossAttnUpBlock3D")) {
        up.add(t);
      }
      new UNet3DConditionModel(UNet3DConfig.parse(base.with("up_block_types", up)), l2.root());
      WeightsException e2 = assertThrows(WeightsException.class,
          () -> l2.finish(UNet3DConditionModel.CLASS_NAME, List.of()));
      assertTrue(e2.getMessage().contains("not used by UNet3DConditionModel")
          && e2.getMessage().contains("up_blocks.1.attentions.0."), e2.getMessage());
    }
  }

  private static Map<String, List<Long>> shapes(Map<String, long[]> m) {
    Map<String, List<Long>> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k, boxed(v)));
    return out;
  }

  private static List<Long> boxed(long[] a) {
    return Arrays.stream(a).boxed().toList();
  }
}
