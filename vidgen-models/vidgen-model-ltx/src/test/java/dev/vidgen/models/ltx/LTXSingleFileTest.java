package dev.vidgen.models.ltx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.vidgen.api.ConfigException;
import dev.vidgen.api.GenerationRequest;
import dev.vidgen.api.Video;
import dev.vidgen.api.VideoPipeline;
import dev.vidgen.api.WeightsException;
import dev.vidgen.spi.LoadOptions;
import dev.vidgen.testing.Fixtures;
import dev.vidgen.testing.Manifests;
import dev.vidgen.weights.JsonConfig;
import dev.vidgen.weights.ManifestWeights;
import dev.vidgen.weights.RenamedWeights;
import dev.vidgen.weights.SafetensorsFile;
import dev.vidgen.weights.SafetensorsWeights;
import dev.vidgen.weights.SafetensorsWriter;
import dev.vidgen.weights.TensorInfo;
import dev.vidgen.weights.WeightLoader;
import dev.vidgen.weights.WeightSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Single-file checkpoints (Lightricks' layout: transformer + VAE in one file under the original LTX-Video key names).
 * The test writes such a file from the ltx-tiny fixture's weights, naming every tensor with an independently
 * written inverse of diffusers' rename tables, and checks that loading it gives exactly the tensors of the diffusers
 * folder and the same video. The inverse is also run over the real 0.9.0 / 0.9.1 VAE and transformer manifests:
 * diffusers' tables must map every inverse name back.
 */
class LTXSingleFileTest {
  private static final Path MODEL = Fixtures.caseDir("ltx-tiny").resolve("model");

  // ---- the original LTX-Video names, written from the layout of the original code (flat block lists) ----

  /** diffusers block prefix -> original flat block, longest first; 0.9.0 VAE. */
  private static final String[][] VAE_090_BLOCKS = {
      {"encoder.down_blocks.0.downsamplers.0", "encoder.down_blocks.1"},
      {"encoder.down_blocks.0.conv_out", "encoder.down_blocks.2"},
      {"encoder.down_blocks.0", "encoder.down_blocks.0"},
      {"encoder.down_blocks.1.downsamplers.0", "encoder.down_blocks.4"},
      {"encoder.down_blocks.1.conv_out", "encoder.down_blocks.5"},
      {"encoder.down_blocks.1", "encoder.down_blocks.3"},
      {"encoder.down_blocks.2.downsamplers.0", "encoder.down_blocks.7"},
      {"encoder.down_blocks.2", "encoder.down_blocks.6"},
      {"encoder.down_blocks.3", "encoder.down_blocks.8"},
      {"encoder.mid_block", "encoder.down_blocks.9"},
      {"decoder.mid_block", "decoder.up_blocks.0"},
      {"decoder.up_blocks.0", "decoder.up_blocks.1"},
      {"decoder.up_blocks.1.upsamplers.0", "decoder.up_blocks.2"},
      {"decoder.up_blocks.1", "decoder.up_blocks.3"},
      {"decoder.up_blocks.2.conv_in", "decoder.up_blocks.4"},
      {"decoder.up_blocks.2.upsamplers.0", "decoder.up_blocks.5"},
      {"decoder.up_blocks.2", "decoder.up_blocks.6"},
      {"decoder.up_blocks.3.conv_in", "decoder.up_blocks.7"},
      {"decoder.up_blocks.3.upsamplers.0", "decoder.up_blocks.8"},
      {"decoder.up_blocks.3", "decoder.up_blocks.9"},
  };

  /** 0.9.1 VAE: same encoder; the decoder has residual upsamplers before each up block and no conv_in. */
  private static final String[][] VAE_091_BLOCKS = {
      {"decoder.mid_block", "decoder.up_blocks.0"},
      {"decoder.up_blocks.0.upsamplers.0", "decoder.up_blocks.1"},
      {"decoder.up_blocks.0", "decoder.up_blocks.2"},
      {"decoder.up_blocks.1.upsamplers.0", "decoder.up_blocks.3"},
      {"decoder.up_blocks.1", "decoder.up_blocks.4"},
      {"decoder.up_blocks.2.upsamplers.0", "decoder.up_blocks.5"},
      {"decoder.up_blocks.2", "decoder.up_blocks.6"},
      {"decoder.up_blocks.3.upsamplers.0", "decoder.up_blocks.7"},
      {"decoder.up_blocks.3", "decoder.up_blocks.8"},
      {"decoder.time_embedder", "decoder.last_time_embedder"},
      {"decoder.scale_shift_table", "decoder.last_scale_shift_table"},
  };

  static String originalVaeKey(String key, boolean v091) {
    if (key.equals("latents_mean")) {
      return "vae.per_channel_statistics.mean-of-means";
    }
    if (key.equals("latents_std")) {
      return "vae.per_channel_statistics.std-of-means";
    }
    String head = key;
    String rest = "";
    List<String[]> blocks = new ArrayList<>();
    if (v091) {
      blocks.addAll(List.of(VAE_091_BLOCKS));
      for (String[] b : VAE_090_BLOCKS) {
        if (b[0].startsWith("encoder.")) {
          blocks.add(b);
        }
      }
    } else {
      blocks.addAll(List.of(VAE_090_BLOCKS));
    }
    for (String[] b : blocks) {
      if (key.equals(b[0]) || key.startsWith(b[0] + ".")) {
        head = b[1];
        rest = key.substring(b[0].length());
        break;
      }
    }
    rest = rest.replace(".resnets.", ".res_blocks.").replace(".conv_shortcut.conv.", ".conv_shortcut.")
        .replace(".norm3.", ".norm3.norm.");
    return "vae." + head + rest;
  }

  static String originalTransformerKey(String key) {
    String k = key.startsWith("proj_in.") ? "patchify_proj." + key.substring("proj_in.".length()) : key;
    k = k.startsWith("time_embed.") ? "adaln_single." + k.substring("time_embed.".length()) : k;
    k = k.replace(".norm_q.", ".q_norm.").replace(".norm_k.", ".k_norm.");
    return "model.diffusion_model." + k;
  }

  // ---- writing the single file ----

  /** Copies every tensor of {@code from} into {@code out} under {@code rename(key)}. */
  private static void copyRenamed(Path from, UnaryOperator<String> rename, SafetensorsWriter out) {
    try (SafetensorsFile f = SafetensorsFile.open(from)) {
      for (TensorInfo t : f.tensors().values()) {
        ByteBuffer b = f.map(t);
        byte[] bytes = new byte[(int) t.byteLength()];
        b.get(bytes);
        out.put(rename.apply(t.name()), t.dtype(), t.shape(), bytes);
      }
    }
  }

  /** The fixture's transformer and VAE in one file under the original names, plus the statistics diffusers drops. */
  private static SafetensorsWriter singleFile() {
    SafetensorsWriter w = new SafetensorsWriter();
    copyRenamed(MODEL.resolve("transformer/diffusion_pytorch_model.safetensors"),
        LTXSingleFileTest::originalTransformerKey, w);
    copyRenamed(MODEL.resolve("vae/diffusion_pytorch_model.safetensors"), k -> originalVaeKey(k, false), w);
    float[] eight = new float[8];
    w.putFloat32("vae.per_channel_statistics.channel", new long[] {8}, eight);
    w.putFloat32("vae.per_channel_statistics.mean-of-stds", new long[] {8}, eight);
    return w;
  }

  /** A config folder: everything but the transformer and VAE weights, and the single file beside model_index.json. */
  private static Path layout(Path tmp, SafetensorsWriter file) throws IOException {
    Path folder = tmp.resolve("ltx-single");
    for (String dir : List.of("tokenizer", "text_encoder", "scheduler")) {
      LTXImageToVideoPipelineTest.copyTree(MODEL.resolve(dir), folder.resolve(dir));
    }
    for (String dir : List.of("transformer", "vae")) {
      Files.createDirectories(folder.resolve(dir));
      Files.copy(MODEL.resolve(dir).resolve("config.json"), folder.resolve(dir).resolve("config.json"));
    }
    Files.copy(MODEL.resolve("model_index.json"), folder.resolve("model_index.json"));
    file.write(folder.resolve("ltx-video-tiny-single.safetensors"));
    return folder;
  }

  private static Map<String, NDArray> parameters(WeightSource src, NDManager m, boolean transformer) {
    WeightLoader loader = new WeightLoader(src, m, DataType.FLOAT32);
    if (transformer) {
      new LTXVideoTransformer3DModel(LTXVideoTransformer3DConfig.parse(
          JsonConfig.read(MODEL.resolve("transformer/config.json"))), loader.root());
      loader.finish("LTXVideoTransformer3DModel", List.of());
    } else {
      new AutoencoderKLLTXVideo(AutoencoderKLLTXVideoConfig.parse(JsonConfig.read(MODEL.resolve("vae/config.json"))),
          loader.root());
      loader.finish("AutoencoderKLLTXVideo", List.of());
    }
    return loader.parameters();
  }

  @Test
  void theWrittenFileUsesTheOriginalNames(@TempDir Path tmp) throws IOException {
    Path folder = layout(tmp, singleFile());
    try (SafetensorsFile f = SafetensorsFile.open(folder.resolve("ltx-video-tiny-single.safetensors"))) {
      Set<String> keys = f.tensors().keySet();
      for (String k : List.of("model.diffusion_model.patchify_proj.weight",
          "model.diffusion_model.adaln_single.linear.weight",
          "model.diffusion_model.transformer_blocks.0.attn1.q_norm.weight",
          "vae.per_channel_statistics.mean-of-means", "vae.encoder.down_blocks.9.res_blocks.0.conv1.conv.weight",
          "vae.encoder.down_blocks.2.norm3.norm.weight", "vae.decoder.up_blocks.9.res_blocks.0.conv2.conv.bias",
          "vae.decoder.up_blocks.7.conv_shortcut.weight", "vae.decoder.up_blocks.8.conv.conv.weight")) {
        assertTrue(keys.contains(k), k + " in the single file; keys: " + new TreeSet<>(keys));
      }
      assertTrue(keys.stream().noneMatch(k -> k.contains("resnets") || k.contains("mid_block")
          || k.contains("proj_in") || k.contains("latents_mean")), "no diffusers names left");
    }
  }

  @Test
  void everyTensorEqualsTheDiffusersFolderLoad(@TempDir Path tmp) throws IOException {
    Path folder = layout(tmp, singleFile());
    try (NDManager m = NDManager.newBaseManager();
        SafetensorsWeights file = SafetensorsWeights.open(folder.resolve("ltx-video-tiny-single.safetensors"));
        SafetensorsWeights trFolder = SafetensorsWeights.openComponent(MODEL.resolve("transformer"), null,
            "diffusion_pytorch_model");
        SafetensorsWeights vaeFolder = SafetensorsWeights.openComponent(MODEL.resolve("vae"), null,
            "diffusion_pytorch_model")) {
      LTXSingleFileConversion.checkLayout(file);
      RenamedWeights vae = LTXSingleFileConversion.vae(file);
      assertEquals(List.of("vae.per_channel_statistics.channel", "vae.per_channel_statistics.mean-of-stds"),
          vae.dropped(), "the statistics diffusers drops");
      int compared = 0;
      for (boolean isTransformer : new boolean[] {true, false}) {
        Map<String, NDArray> expected = parameters(isTransformer ? trFolder : vaeFolder, m, isTransformer);
        Map<String, NDArray> actual = parameters(isTransformer ? LTXSingleFileConversion.transformer(file) : vae, m,
            isTransformer);
        assertEquals(expected.keySet(), actual.keySet());
        for (Map.Entry<String, NDArray> e : expected.entrySet()) {
          NDArray a = actual.get(e.getKey());
          assertArrayEquals(e.getValue().getShape().getShape(), a.getShape().getShape(), e.getKey());
          assertArrayEquals(e.getValue().toFloatArray(), a.toFloatArray(), 0f, e.getKey());
          compared++;
        }
      }
      System.out.printf("[single-file] %d tensors equal to the diffusers folder's (max |d| = 0)%n", compared);
      assertEquals(countTensors(MODEL.resolve("transformer/diffusion_pytorch_model.safetensors"))
          + countTensors(MODEL.resolve("vae/diffusion_pytorch_model.safetensors")), compared);
    }
  }

  private static int countTensors(Path file) {
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      return f.tensors().size();
    }
  }

  @Test
  void theFolderWithTheSingleFileGivesTheSameVideo(@TempDir Path tmp) throws IOException {
    Path folder = layout(tmp, singleFile());
    GenerationRequest r = GenerationRequest.builder().prompt("a red umbrella").negativePrompt("blurry").size(64, 32)
        .frames(9).steps(2).seed(5).maxSequenceLength(16).build();
    float[] reference;
    try (VideoPipeline p = VideoPipeline.load(MODEL)) {
      reference = p.generate(r).frames();
    }
    try (VideoPipeline p = VideoPipeline.load(folder)) {
      assertArrayEquals(reference, p.generate(r).frames(), 0f, "VideoPipeline.load(folder with the single file)");
    }
    try (LTXPipeline p = LTXPipeline.loadSingleFile(folder.resolve("ltx-video-tiny-single.safetensors"), folder,
        LoadOptions.defaults())) {
      Video v = p.generate(r, "single");
      assertArrayEquals(reference, v.frames(), 0f, "LTXPipeline.loadSingleFile");
    }
  }

  @Test
  void anUnknownKeyIsAnErrorNamingIt(@TempDir Path tmp) throws IOException {
    SafetensorsWriter w = singleFile();
    w.putFloat32("model.diffusion_model.transformer_blocks.0.attn1.extra.weight", new long[] {1}, new float[1]);
    Path folder = layout(tmp, w);
    WeightsException e = assertThrows(WeightsException.class, () -> VideoPipeline.load(folder).close());
    assertTrue(e.getMessage().contains("'model.diffusion_model.transformer_blocks.0.attn1.extra.weight'"),
        e.getMessage());

    SafetensorsWriter v = singleFile();
    v.putFloat32("vae.decoder.up_blocks.9.res_blocks.0.extra", new long[] {1}, new float[1]);
    Path folder2 = layout(tmp.resolve("2"), v);
    WeightsException e2 = assertThrows(WeightsException.class, () -> VideoPipeline.load(folder2).close());
    assertTrue(e2.getMessage().contains("decoder.up_blocks.3.resnets.0.extra (stored as "
        + "'vae.decoder.up_blocks.9.res_blocks.0.extra')"), e2.getMessage());

    SafetensorsWriter n = singleFile();
    n.putFloat32("vae_ema.decoder.x", new long[] {1}, new float[1]);
    Path folder3 = layout(tmp.resolve("3"), n);
    WeightsException e3 = assertThrows(WeightsException.class, () -> VideoPipeline.load(folder3).close());
    assertTrue(e3.getMessage().contains("vae_ema.decoder.x"), e3.getMessage());
  }

  @Test
  void aVersionMismatchBetweenFileAndVaeConfigIsNamed(@TempDir Path tmp) throws IOException {
    SafetensorsWriter w = singleFile();
    w.putFloat32(LTXSingleFileConversion.VAE_091_MARKER, new long[] {1}, new float[1]);
    Path folder = layout(tmp, w);
    ConfigException e = assertThrows(ConfigException.class, () -> VideoPipeline.load(folder).close());
    assertTrue(e.getMessage().contains("0.9.1") && e.getMessage().contains("timestep_conditioning=false"),
        e.getMessage());
  }

  @Test
  void notAnLtxCheckpointIsNamed(@TempDir Path tmp) throws IOException {
    SafetensorsWriter w = new SafetensorsWriter().putFloat32("unet.conv_in.weight", new long[] {1}, new float[1]);
    Path folder = layout(tmp, w);
    WeightsException e = assertThrows(WeightsException.class, () -> VideoPipeline.load(folder).close());
    assertTrue(e.getMessage().contains("not an LTX-Video single-file checkpoint"), e.getMessage());
  }

  @Test
  void diffusersTablesMapTheOriginalNamesOfThePublishedArchitecturesBack() {
    // For every tensor of the real 0.9.0 / 0.9.1 VAE and 2B transformer: original name (this test's inverse) ->
    // diffusers' table -> the diffusers name again, with no two names colliding.
    check("ltx-video-transformer", k -> originalTransformerKey(k), false, true);
    check("ltx-video-vae", k -> originalVaeKey(k, false), false, false);
    check("ltx-video-0.9.1-vae", k -> originalVaeKey(k, true), true, false);
  }

  private static void check(String manifest, UnaryOperator<String> toOriginal, boolean v091, boolean transformer) {
    try (ManifestWeights src = Manifests.weights(manifest)) {
      Set<String> originals = new TreeSet<>();
      for (String k : src.keys()) {
        String o = toOriginal.apply(k);
        assertTrue(originals.add(o), manifest + ": two tensors named " + o);
        var table = transformer ? LTXSingleFileConversion.TRANSFORMER_KEYS_RENAME_DICT
            : v091 ? LTXSingleFileConversion.VAE_KEYS_RENAME_DICT.updatedWith(LTXSingleFileConversion.VAE_091_RENAME_DICT)
                : LTXSingleFileConversion.VAE_KEYS_RENAME_DICT;
        assertEquals(k, table.apply(o), manifest + ": " + o);
        assertTrue(transformer ? !o.contains("vae") : o.contains("vae."), o);
        assertTrue(LTXSingleFileConversion.VAE_SPECIAL_KEYS_REMOVED.stream().noneMatch(k::contains), k);
      }
      System.out.printf("[single-file] %s: %d original names map back%n", manifest, originals.size());
    }
  }
}
