package dev.vidgen.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vidgen.api.WeightsException;
import java.io.IOException;
import java.nio.ByteBuffer;
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
   * Opens the weights of a component folder (e.g. {@code unet/}) the way diffusers finds them: {@code
   * <stem>[.<variant>].safetensors}, or its {@code .safetensors.index.json} shards. {@code stems} are the file
   * stems to try in order ({@code diffusion_pytorch_model}, {@code model}).
   */
  public static SafetensorsWeights openComponent(Path folder, String variant, String... stems) {
    List<String> tried = new ArrayList<>();
    for (String stem : stems) {
      String base = variant == null || variant.isEmpty() ? stem : stem + "." + variant;
      Path single = folder.resolve(base + ".safetensors");
      Path index = folder.resolve(base + ".safetensors.index.json");
      tried.add(single.getFileName().toString());
      tried.add(index.getFileName().toString());
      if (Files.isRegularFile(single)) {
        return open(single);
      }
      if (Files.isRegularFile(index)) {
        return openIndex(index);
      }
    }
    String hint = "";
    for (String stem : stems) {
      if (Files.exists(folder.resolve(stem + ".bin")) || Files.exists(folder.resolve(stem + ".bin.index.json"))) {
        hint = " The folder holds PyTorch pickle files (" + stem + ".bin) only; vidgen loads safetensors only, "
            + "since pickles can run arbitrary code. Convert them once with diffusers' "
            + "`DiffusionPipeline.from_pretrained(...).save_pretrained(..., safe_serialization=True)`.";
      }
    }
    throw new WeightsException(folder + ": no weights found; looked for " + tried + "." + hint);
  }

  /** Opens shards listed in a {@code *.safetensors.index.json} ({@code weight_map}: key → file). */
  public static SafetensorsWeights openIndex(Path indexFile) {
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
    Map<String, String> expectedShard = new LinkedHashMap<>();
    Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
    List<SafetensorsFile> opened = new ArrayList<>();
    try {
      for (Map.Entry<String, JsonElement> e : weightMap.entrySet()) {
        String shard = e.getValue().getAsString();
        if (shard.contains("/") || shard.contains("\\") || shard.startsWith(".")) {
          throw new WeightsException(indexFile + ": shard name '" + shard + "' for '" + e.getKey()
              + "' must be a plain file name beside the index");
        }
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
    Shape shape = new Shape(t.shape());
    if (t.numel() == 0) {
      return manager.zeros(shape, t.dtype().isFloatingPoint() ? dtype : t.dtype().djl());
    }
    ByteBuffer mapped = f.map(t);
    DataType stored = t.dtype().djl();
    if (t.dtype() == TensorDType.BF16) {
      // DJL 0.36's JNI aborts the JVM when it wraps a BF16 buffer, so widen on the host: a bfloat16 is the upper
      // half of a float32, so the conversion is exact.
      mapped = widenBf16(mapped, t.numel());
      stored = DataType.FLOAT32;
    }
    // The mapped view is wrapped without a copy, then copied once into engine-owned memory, so no native array
    // ever points into the file mapping. DJL's toType(same dtype, copy=true) calls torch's to() without copy=True
    // and so returns an alias of the mapping (a segfault once the mapping is released): same-dtype tensors are
    // therefore cloned with duplicate().
    try (NDManager tmp = manager.newSubManager()) {
      NDArray view = tmp.create(mapped, shape, stored);
      DataType target = t.dtype().isFloatingPoint() ? dtype : t.dtype().djl();
      NDArray owned = view.getDataType() == target ? view.duplicate() : view.toType(target, true);
      owned.attach(manager);
      return owned;
    }
  }

  private static ByteBuffer widenBf16(ByteBuffer src, long numel) {
    if (numel * 4 > Integer.MAX_VALUE) {
      throw new WeightsException("bfloat16 tensor of " + numel + " elements is too large to widen on the host");
    }
    ByteBuffer out = ByteBuffer.allocateDirect((int) (numel * 4)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < numel; i++) {
      out.putInt(4 * i, (src.getShort(2 * i) & 0xffff) << 16);
    }
    return out;
  }

  @Override
  public void close() {
    files.forEach(SafetensorsFile::close);
  }
}
