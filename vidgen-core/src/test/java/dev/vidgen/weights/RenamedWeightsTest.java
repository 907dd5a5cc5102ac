package dev.vidgen.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.vidgen.api.WeightsException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rename table's Python semantics and the renaming view's strictness. */
class RenamedWeightsTest {
  @Test
  void rulesApplyInOrderToTheResultOfEarlierRules() {
    // As diffusers' loop of str.replace: "up_blocks.2" first becomes "up_blocks.1.upsamplers.0", and the rule for
    // "up_blocks.1", which came earlier, does not see it again.
    KeyRenames t = KeyRenames.of("up_blocks.0", "mid_block", "up_blocks.1", "up_blocks.0", "up_blocks.2",
        "up_blocks.1.upsamplers.0", "res_blocks", "resnets");
    assertEquals("mid_block.resnets.0.w", t.apply("up_blocks.0.res_blocks.0.w"));
    assertEquals("up_blocks.0.resnets.1.w", t.apply("up_blocks.1.res_blocks.1.w"));
    assertEquals("up_blocks.1.upsamplers.0.conv.w", t.apply("up_blocks.2.conv.w"));
    // every occurrence is replaced, as str.replace does
    assertEquals("a.b.a", KeyRenames.of("x", "a").apply("x.b.x"));
  }

  @Test
  void updateKeepsPositionsAndAppendsNewRules() {
    KeyRenames base = KeyRenames.of("a", "1", "b", "2");
    KeyRenames updated = base.updatedWith(KeyRenames.of("b", "3", "c", "4", "a", "5"));
    assertEquals(List.of(new KeyRenames.Rule("a", "5"), new KeyRenames.Rule("b", "3"), new KeyRenames.Rule("c", "4")),
        updated.rules());
    assertThrows(IllegalArgumentException.class, () -> KeyRenames.of("a", "1", "a", "2"));
  }

  private static Path write(Path dir, String... keys) throws IOException {
    SafetensorsWriter w = new SafetensorsWriter();
    float v = 1;
    for (String k : keys) {
      w.putFloat32(k, new long[] {2}, new float[] {v, -v});
      v++;
    }
    Path f = dir.resolve("single.safetensors");
    w.write(f);
    return f;
  }

  @Test
  void selectsRenamesDropsAndReadsTheOriginalTensor(@TempDir Path tmp) throws IOException {
    Path f = write(tmp, "m.proj.weight", "vae.stats.mean", "vae.stats.channel", "vae.conv.weight");
    try (SafetensorsWeights file = SafetensorsWeights.open(f); NDManager m = NDManager.newBaseManager()) {
      RenamedWeights vae = new RenamedWeights(file, "vae", k -> k.contains("vae."),
          KeyRenames.of("vae.", "", "stats.mean", "latents_mean"), List.of("stats.channel"));
      assertEquals(Set.of("latents_mean", "conv.weight"), vae.keys());
      assertEquals(List.of("vae.stats.channel"), vae.dropped());
      assertEquals("vae.conv.weight", vae.originalKey("conv.weight"));
      assertArrayEquals(new float[] {4, -4}, vae.load("conv.weight", m, DataType.FLOAT32).toFloatArray());
      assertArrayEquals(new long[] {2}, vae.info("latents_mean").shape());
      assertTrue(vae.describe("latents_mean").contains("vae.stats.mean"), vae.describe("latents_mean"));
    }
  }

  @Test
  void twoKeysRenamedToOneAreAnError(@TempDir Path tmp) throws IOException {
    Path f = write(tmp, "a.w", "b.w");
    try (SafetensorsWeights file = SafetensorsWeights.open(f)) {
      WeightsException e = assertThrows(WeightsException.class, () -> new RenamedWeights(file, "x", k -> true,
          KeyRenames.of("b.", "a."), List.of()));
      assertTrue(e.getMessage().contains("'a.w' and 'b.w' both become 'a.w'"), e.getMessage());
    }
  }

  @Test
  void anUnusedTensorIsReportedUnderItsStoredName(@TempDir Path tmp) throws IOException {
    Path f = write(tmp, "model.proj.weight", "model.extra.weight");
    try (SafetensorsWeights file = SafetensorsWeights.open(f); NDManager m = NDManager.newBaseManager()) {
      RenamedWeights src = new RenamedWeights(file, "transformer", k -> true, KeyRenames.of("model.", ""),
          List.of());
      WeightLoader loader = new WeightLoader(src, m, DataType.FLOAT32);
      loader.root().get("proj.weight", 2);
      WeightsException e = assertThrows(WeightsException.class, () -> loader.finish("Model", List.of()));
      assertTrue(e.getMessage().contains("extra.weight (stored as 'model.extra.weight')"), e.getMessage());
    }
  }
}
