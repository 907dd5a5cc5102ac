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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A weight source that holds only names and shapes, read from a manifest ({@code tensors: [{key, shape, dtype}]}),
 * so that a model can be built from a real published config without its gigabytes. Every tensor it hands out is
 * a zero-stride broadcast of one scalar: shape-correct, memory-free. Models must not compute with them; the point
 * is to prove which names and shapes the model asks for.
 */
public final class ManifestWeights implements WeightSource {
  private final String name;
  private final Map<String, TensorInfo> tensors;

  public ManifestWeights(String name, Map<String, TensorInfo> tensors) {
    this.name = name;
    this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
  }

  /** Reads a {@code manifest.json} as written for {@code shared/manifests}. */
  public static ManifestWeights read(Path manifest) {
    try {
      JsonObject root = JsonParser.parseString(Files.readString(manifest)).getAsJsonObject();
      Map<String, TensorInfo> m = new LinkedHashMap<>();
      for (JsonElement e : root.getAsJsonArray("tensors")) {
        JsonObject t = e.getAsJsonObject();
        var arr = t.getAsJsonArray("shape");
        long[] shape = new long[arr.size()];
        for (int i = 0; i < shape.length; i++) {
          shape[i] = arr.get(i).getAsLong();
        }
        TensorDType dt = TensorDType.parse(t.get("dtype").getAsString());
        String key = t.get("key").getAsString();
        m.put(key, new TensorInfo(key, dt == null ? TensorDType.F32 : dt, shape, 0, 0));
      }
      return new ManifestWeights(manifest.toString(), m);
    } catch (IOException | RuntimeException e) {
      throw new WeightsException(manifest + ": cannot read manifest: " + e.getMessage(), e);
    }
  }

  @Override
  public Set<String> keys() {
    return tensors.keySet();
  }

  @Override
  public TensorInfo info(String key) {
    return tensors.get(key);
  }

  @Override
  public String describe(String key) {
    return name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public NDArray load(String key, NDManager manager, DataType dtype) {
    TensorInfo t = tensors.get(key);
    if (t == null) {
      throw new WeightsException(name + ": no tensor '" + key + "'");
    }
    DataType target = t.dtype().isFloatingPoint() ? dtype : t.dtype().djl();
    try (NDManager tmp = manager.newSubManager()) {
      NDArray one = tmp.zeros(new Shape(), target);
      NDArray view = one.broadcast(new Shape(t.shape())); // expand: a view with stride 0, no allocation
      view.attach(manager);
      return view;
    }
  }

  @Override
  public void close() {}
}
