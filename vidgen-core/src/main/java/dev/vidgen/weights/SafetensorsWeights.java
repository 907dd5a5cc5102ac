package dev.vidgen.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.vidgen.api.WeightsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tensors of one component from one safetensors file or from shards listed in a {@code
 * *.safetensors.index.json}. Tensors are mapped from disk one at a time and copied once into engine memory.
 */
public final class SafetensorsWeights implements WeightSource {
  private final String name;
  private final List<SafetensorsFile> files;
  private final Map<String, SafetensorsFile> owner;

  private SafetensorsWeights(String name, List<SafetensorsFile> files) {
    this.name = name;
    this.files = files;
    Map<String, SafetensorsFile> m = new LinkedHashMap<>();
    for (SafetensorsFile f : files) {
      for (String k : f.tensors().keySet()) {
        SafetensorsFile prev = m.put(k, f);
        if (prev != null) {
          throw new WeightsException("tensor '" + k + "' appears in two shards: " + prev.path() + " and " + f.path());
        }
      }
    }
    this.owner = Collections.unmodifiableMap(m);
  }

  /** Opens one file. */
  public static SafetensorsWeights open(Path file) {
    return new SafetensorsWeights(displayName(file), List.of(SafetensorsFile.open(file)));
  }

  /**
   * Opens the safetensors weights of a component folder (e.g. {@code unet/}) as {@link ComponentWeights#open} finds
   * them; a folder whose weights are PyTorch checkpoints is an error here (use {@link ComponentWeights#open}, which
   * reads those too).
   */
  public static SafetensorsWeights openComponent(Path folder, String variant, String... stems) {
    WeightSource source = ComponentWeights.open(folder, variant, stems);
    if (source instanceof SafetensorsWeights s) {
      return s;
    }
    String found = source.name();
    source.close();
    throw new WeightsException(folder + ": the weights are a PyTorch checkpoint (" + found + "), not safetensors; "
        + "open the folder with ComponentWeights.open, which reads both");
  }

  /** Opens shards listed in a {@code *.safetensors.index.json} ({@code weight_map}: key → file). */
  public static SafetensorsWeights openIndex(Path indexFile) {
    Map<String, String> weightMap = ComponentWeights.readWeightMap(indexFile);
    Map<String, String> expectedShard = new LinkedHashMap<>();
    Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
    List<SafetensorsFile> opened = new ArrayList<>();
    try {
      for (Map.Entry<String, String> e : weightMap.entrySet()) {
        String shard = e.getValue();
        expectedShard.put(e.getKey(), shard);
        if (!shards.containsKey(shard)) {
          Path p = indexFile.resolveSibling(shard);
          if (!Files.isRegularFile(p)) {
            throw new WeightsException(indexFile + ": shard '" + shard + "' (holding '" + e.getKey()
                + "') is missing");
          }
          SafetensorsFile f = SafetensorsFile.open(p);
          opened.add(f);
          shards.put(shard, f);
        }
      }
      for (Map.Entry<String, String> e : expectedShard.entrySet()) {
        if (!shards.get(e.getValue()).tensors().containsKey(e.getKey())) {
          throw new WeightsException(indexFile + ": '" + e.getKey() + "' is mapped to shard " + e.getValue()
              + " but that shard does not hold it");
        }
      }
      return new SafetensorsWeights(displayName(indexFile), opened);
    } catch (RuntimeException e) {
      opened.forEach(SafetensorsFile::close);
      throw e;
    }
  }

  private static String displayName(Path file) {
    Path parent = file.getParent();
    return parent == null || parent.getFileName() == null ? file.getFileName().toString()
        : parent.getFileName() + "/" + file.getFileName();
  }

  @Override
  public Set<String> keys() {
    return owner.keySet();
  }

  @Override
  public TensorInfo info(String key) {
    SafetensorsFile f = owner.get(key);
    return f == null ? null : f.tensors().get(key);
  }

  @Override
  public String describe(String key) {
    SafetensorsFile f = owner.get(key);
    return f == null ? name : displayName(f.path());
  }

  @Override
  public String name() {
    return name;
  }

  public List<SafetensorsFile> files() {
    return files;
  }

  @Override
  public NDArray load(String key, NDManager manager, DataType dtype) {
    SafetensorsFile f = owner.get(key);
    if (f == null) {
      throw new WeightsException(name + ": no tensor '" + key + "'");
    }
    TensorInfo t = f.tensors().get(key);
    return HostBytes.toEngine(f.map(t), t.dtype(), t.shape(), manager, dtype);
  }

  @Override
  public void close() {
    files.forEach(SafetensorsFile::close);
  }
}
