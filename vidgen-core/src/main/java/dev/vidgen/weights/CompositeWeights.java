package dev.vidgen.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.vidgen.api.WeightsException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The tensors of several shards seen as one source; a tensor in two shards is an error naming both. */
final class CompositeWeights implements WeightSource {
  private final String name;
  private final List<? extends WeightSource> parts;
  private final Map<String, WeightSource> owner;

  CompositeWeights(String name, List<? extends WeightSource> parts) {
    this.name = name;
    this.parts = parts;
    Map<String, WeightSource> m = new LinkedHashMap<>();
    for (WeightSource p : parts) {
      for (String k : p.keys()) {
        WeightSource prev = m.put(k, p);
        if (prev != null) {
          throw new WeightsException("tensor '" + k + "' appears in two shards: " + prev.name() + " and " + p.name());
        }
      }
    }
    this.owner = Collections.unmodifiableMap(m);
  }

  @Override
  public Set<String> keys() {
    return owner.keySet();
  }

  @Override
  public TensorInfo info(String key) {
    WeightSource p = owner.get(key);
    return p == null ? null : p.info(key);
  }

  @Override
  public String describe(String key) {
    WeightSource p = owner.get(key);
    return p == null ? name : p.describe(key);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public NDArray load(String key, NDManager manager, DataType dtype) {
    WeightSource p = owner.get(key);
    if (p == null) {
      throw new WeightsException(name + ": no tensor '" + key + "'");
    }
    return p.load(key, manager, dtype);
  }

  @Override
  public void close() {
    parts.forEach(WeightSource::close);
  }
}
