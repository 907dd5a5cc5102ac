package dev.vidgen.hub;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.vidgen.api.ModelNotFoundException;
import dev.vidgen.weights.ComponentWeights;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The files of a repository a diffusers pipeline needs, and no others: {@code model_index.json}; in each component
 * folder it lists, the configs and tokenizer files ({@code *.json}, {@code *.txt}, {@code *.model}, not in
 * sub-folders) and the one set of weights {@link ComponentWeights#choose} picks (safetensors over {@code .bin}, the
 * variant when there is one). Shard indexes are returned as such; their shards are known once the index is read. Files
 * outside the component folders (README, original-format checkpoints, samples) and other formats (Flax, ONNX) are
 * never selected.
 *
 * @param configs the small files, {@code model_index.json} first
 * @param weights the chosen weight files (single files and shard indexes), per component
 * @param shardIndexes the subset of {@code weights} that are shard indexes
 */
record PipelineFiles(List<String> configs, List<String> weights, List<String> shardIndexes) {
  /** File stems of diffusers models and of transformers models. */
  static final List<String> STEMS = List.of("diffusion_pytorch_model", "model");

  /**
   * Selects from a repository's file list.
   *
   * @param modelIndex the parsed {@code model_index.json}
   * @param repoFiles every file of the repository at the commit ({@code siblings[].rfilename})
   * @param variant e.g. {@code fp16}, or null
   * @param what the repository, for messages
   */
  static PipelineFiles select(JsonObject modelIndex, Collection<String> repoFiles, String variant, String what) {
    Map<String, List<String>> byFolder = new LinkedHashMap<>();
    for (String f : repoFiles) {
      int slash = f.indexOf('/');
      if (slash > 0 && f.indexOf('/', slash + 1) < 0) {
        byFolder.computeIfAbsent(f.substring(0, slash), k -> new ArrayList<>()).add(f.substring(slash + 1));
      }
    }
    List<String> configs = new ArrayList<>(List.of("model_index.json"));
    List<String> weights = new ArrayList<>();
    List<String> indexes = new ArrayList<>();
    boolean variantFound = false;
    for (String component : components(modelIndex)) {
      List<String> names = byFolder.getOrDefault(component, List.of());
      for (String n : new TreeSet<>(names)) {
        if (!ComponentWeights.isWeightFile(n) && (n.endsWith(".json") || n.endsWith(".txt") || n.endsWith(".model"))) {
          configs.add(component + "/" + n);
        }
      }
      ComponentWeights.Choice c = ComponentWeights.choose(names, variant, STEMS);
      if (c != null) {
        weights.add(component + "/" + c.file());
        if (c.sharded()) {
          indexes.add(component + "/" + c.file());
        }
        variantFound |= variant != null && c.file().contains("." + variant + ".");
      }
    }
    if (variant != null && !variantFound) {
      throw new ModelNotFoundException(what + " has no weight files of variant '" + variant + "' (such as "
          + "unet/diffusion_pytorch_model." + variant + ".safetensors); leave out the variant to load the plain "
          + "weights");
    }
    return new PipelineFiles(List.copyOf(configs), List.copyOf(weights), List.copyOf(indexes));
  }

  /** The component folders {@code model_index.json} lists ({@code "unet": ["diffusers", "UNet3DConditionModel"]}). */
  static List<String> components(JsonObject modelIndex) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, JsonElement> e : modelIndex.entrySet()) {
      if (e.getKey().startsWith("_") || !e.getValue().isJsonArray()) {
        continue;
      }
      JsonArray a = e.getValue().getAsJsonArray();
      if (a.size() == 2 && !a.get(0).isJsonNull() && !a.get(1).isJsonNull() && isFolderName(e.getKey())) {
        out.add(e.getKey());
      }
    }
    return out;
  }

  private static boolean isFolderName(String s) {
    return s.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*") && !s.contains("..");
  }
}
