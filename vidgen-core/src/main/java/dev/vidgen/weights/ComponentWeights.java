package dev.vidgen.weights;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vidgen.api.WeightsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Which file holds a component's weights, and opening it: one rule shared by the loaders (from a folder) and the
 * Hub download (from a repository's file list), so vidgen downloads exactly what it will load.
 *
 * <p>The rule, for file stems such as {@code diffusion_pytorch_model} (diffusers) or {@code model} (transformers,
 * whose pickled files are called {@code pytorch_model}): safetensors before PyTorch checkpoints (a safetensors file
 * cannot hold anything but tensors), and within each format the requested variant before the plain files (diffusers
 * falls back the same way, per component). Each is a single file or a shard index:
 * <ul>
 *   <li>{@code <stem>[.<variant>].safetensors}, {@code <stem>.safetensors.index[.<variant>].json} (diffusers' and
 *       transformers' variant index name) or {@code <stem>.<variant>.safetensors.index.json};
 *   <li>{@code <binstem>[.<variant>].bin}, {@code <binstem>.bin.index[.<variant>].json} or {@code
 *       <binstem>.<variant>.bin.index.json}, read by {@link TorchCheckpoint} without running anything.
 * </ul>
 */
public final class ComponentWeights {
  private ComponentWeights() {}

  /** A weight file format. */
  public enum Format { SAFETENSORS, PYTORCH }

  /**
   * The chosen weight file of a component.
   *
   * @param file the file name in the component folder (a shard index when {@code sharded})
   * @param format how to read it
   * @param sharded whether {@code file} is a {@code *.index*.json} listing shards in its {@code weight_map}
   */
  public record Choice(String file, Format format, boolean sharded) {}

  /** The PyTorch file stem that goes with a safetensors stem ({@code model} → {@code pytorch_model}). */
  static String pickleStem(String stem) {
    return stem.equals("model") ? "pytorch_model" : stem;
  }

  private static List<Choice> candidates(String stem, Format format, String variant) {
    String ext = format == Format.SAFETENSORS ? "safetensors" : "bin";
    String s = format == Format.SAFETENSORS ? stem : pickleStem(stem);
    if (variant == null) {
      return List.of(new Choice(s + "." + ext, format, false),
          new Choice(s + "." + ext + ".index.json", format, true));
    }
    return List.of(new Choice(s + "." + variant + "." + ext, format, false),
        new Choice(s + "." + ext + ".index." + variant + ".json", format, true),
        new Choice(s + "." + variant + "." + ext + ".index.json", format, true));
  }

  private static List<Choice> inOrder(String variant, List<String> stems) {
    String v = variant == null || variant.isEmpty() ? null : variant;
    List<Choice> all = new ArrayList<>();
    for (Format format : Format.values()) {
      for (String var : v == null ? java.util.Collections.<String>singletonList(null) : java.util.Arrays.asList(v,
          null)) {
        for (String stem : stems) {
          all.addAll(candidates(stem, format, var));
        }
      }
    }
    return all;
  }

  /**
   * Chooses among the file names of one component folder (plain names, no folders).
   *
   * @return the choice, or null when none of the names is a weight file of these stems
   */
  public static Choice choose(Collection<String> names, String variant, List<String> stems) {
    Set<String> present = new LinkedHashSet<>(names);
    for (Choice c : inOrder(variant, stems)) {
      if (present.contains(c.file())) {
        return c;
      }
    }
    return null;
  }

  /** Whether a file name is one of the weight files (or shard indexes) {@link #choose} considers. */
  public static boolean isWeightFile(String name) {
    return name.matches(".*\\.(safetensors|bin)(\\.index(\\.[^.]+)?\\.json)?");
  }

  /**
   * Opens the weights of a component folder (e.g. {@code unet/}) by {@link #choose}: a {@link SafetensorsWeights} or
   * a {@link TorchCheckpoint}, single or sharded. {@code stems} are tried in order ({@code diffusion_pytorch_model},
   * {@code model}).
   */
  public static WeightSource open(Path folder, String variant, String... stems) {
    List<String> names = new ArrayList<>();
    try (Stream<Path> s = Files.list(folder)) {
      s.filter(Files::isRegularFile).forEach(p -> names.add(p.getFileName().toString()));
    } catch (IOException e) {
      throw new WeightsException(folder + ": cannot list the component folder: " + e.getMessage(), e);
    }
    Choice c = choose(names, variant, List.of(stems));
    if (c == null) {
      List<String> tried = new ArrayList<>();
      inOrder(variant, List.of(stems)).forEach(x -> tried.add(x.file()));
      throw new WeightsException(folder + ": no weights found; looked for " + tried);
    }
    Path file = folder.resolve(c.file());
    if (c.format() == Format.SAFETENSORS) {
      return c.sharded() ? SafetensorsWeights.openIndex(file) : SafetensorsWeights.open(file);
    }
    return c.sharded() ? openTorchIndex(file) : TorchCheckpoint.open(file);
  }

  /**
   * The {@code weight_map} of a shard index ({@code *.index.json}): tensor name → shard file, each shard a plain file
   * name beside the index.
   */
  public static Map<String, String> readWeightMap(Path indexFile) {
    JsonObject weightMap;
    try {
      JsonElement root = JsonParser.parseString(Files.readString(indexFile));
      if (!root.isJsonObject() || !root.getAsJsonObject().has("weight_map")
          || !root.getAsJsonObject().get("weight_map").isJsonObject()) {
        throw new WeightsException(indexFile + ": expected an object with a 'weight_map' of tensor -> shard file");
      }
      weightMap = root.getAsJsonObject().getAsJsonObject("weight_map");
    } catch (IOException | com.google.gson.JsonParseException e) {
      throw new WeightsException(indexFile + ": cannot read shard index: " + e.getMessage(), e);
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : weightMap.entrySet()) {
      JsonElement v = e.getValue();
      String shard = v.isJsonPrimitive() && v.getAsJsonPrimitive().isString() ? v.getAsString() : null;
      if (shard == null || shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.startsWith(".")) {
        throw new WeightsException(indexFile + ": shard name " + v + " for '" + e.getKey()
            + "' must be a plain file name beside the index");
      }
      out.put(e.getKey(), shard);
    }
    return out;
  }

  /** Opens the PyTorch checkpoint shards a {@code *.bin.index.json} lists. */
  static WeightSource openTorchIndex(Path indexFile) {
    Map<String, String> weightMap = readWeightMap(indexFile);
    Map<String, TorchCheckpoint> shards = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, String> e : weightMap.entrySet()) {
        if (!shards.containsKey(e.getValue())) {
          Path p = indexFile.resolveSibling(e.getValue());
          if (!Files.isRegularFile(p)) {
            throw new WeightsException(indexFile + ": shard '" + e.getValue() + "' (holding '" + e.getKey()
                + "') is missing");
          }
          shards.put(e.getValue(), TorchCheckpoint.open(p));
        }
        if (!shards.get(e.getValue()).keys().contains(e.getKey())) {
          throw new WeightsException(indexFile + ": '" + e.getKey() + "' is mapped to shard " + e.getValue()
              + " but that shard does not hold it");
        }
      }
      return new CompositeWeights(indexFile.getParent().getFileName() + "/" + indexFile.getFileName(),
          List.copyOf(shards.values()));
    } catch (RuntimeException e) {
      shards.values().forEach(TorchCheckpoint::close);
      throw e;
    }
  }
}
