package dev.vidgen.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.vidgen.api.WeightsException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * One strict loading pass over a component's weights. Models take their tensors through {@link #root()}; {@link
 * #finish(String, Collection)} then fails on any tensor nobody asked for (unless the model declared it ignorable),
 * so a wrong config or a wrong checkpoint can never load half-way into a silently wrong video.
 */
public final class WeightLoader {
  private final WeightSource source;
  private final NDManager manager;
  private final DataType dtype;
  private final Map<String, long[]> requested = new LinkedHashMap<>();
  private final Map<String, NDArray> parameters = new LinkedHashMap<>();

  public WeightLoader(WeightSource source, NDManager manager, DataType dtype) {
    this.source = source;
    this.manager = manager;
    this.dtype = dtype;
  }

  public Weights root() {
    return new Weights(this, "", null);
  }

  public WeightSource source() {
    return source;
  }

  public NDManager manager() {
    return manager;
  }

  public DataType dtype() {
    return dtype;
  }

  void markRequested(String key, long[] shape) {
    requested.put(key, shape);
  }

  NDArray remember(String key, NDArray value) {
    // Weights outlive any scope that happens to be open while a model loads (e.g. a model loaded lazily inside a
    // generation): keep them out of it, so closing the scope cannot free them.
    ai.djl.ndarray.NDScope.unregister(value);
    parameters.put(key, value);
    return value;
  }

  /**
   * Every tensor handed to the model, by its diffusers key, in request order: the model's parameters. Training
   * updates these arrays in place and saves them back under the same names ({@link SafetensorsWriter}), which
   * gives a diffusers-format checkpoint of the same architecture.
   */
  public Map<String, NDArray> parameters() {
    return java.util.Collections.unmodifiableMap(parameters);
  }

  /** Names and shapes requested so far, in request order (what the manifest tests compare). */
  public Map<String, long[]> requested() {
    return java.util.Collections.unmodifiableMap(requested);
  }

  /**
   * Checks that every tensor of the source was consumed. {@code ignorable} are regular expressions of keys the
   * model knowingly skips (diffusers' {@code _keys_to_ignore_on_load_unexpected}).
   *
   * @param modelClass the model's diffusers class name, for the message
   */
  public void finish(String modelClass, Collection<String> ignorable) {
    List<Pattern> patterns = new ArrayList<>();
    for (String p : ignorable) {
      patterns.add(Pattern.compile(p));
    }
    Set<String> unexpected = new TreeSet<>();
    for (String k : source.keys()) {
      if (!requested.containsKey(k) && patterns.stream().noneMatch(p -> p.matcher(k).matches())) {
        unexpected.add(k);
      }
    }
    if (!unexpected.isEmpty()) {
      List<String> shown = new ArrayList<>();
      for (String k : new ArrayList<>(unexpected).subList(0, Math.min(20, unexpected.size()))) {
        String stored = source.originalKey(k);
        shown.add(stored.equals(k) ? k : k + " (stored as '" + stored + "')");
      }
      throw new WeightsException(source.name() + ": " + unexpected.size() + " tensor(s) not used by " + modelClass
          + " as built from its config: " + shown + (unexpected.size() > shown.size() ? " ..." : "")
          + ". The checkpoint and config.json disagree (wrong config, or weights of another model).");
    }
  }

  /** Keys of the source under a prefix (e.g. to count {@code down_blocks.*}), sorted. */
  public Set<String> keysUnder(String prefix) {
    Set<String> out = new LinkedHashSet<>();
    for (String k : new TreeSet<>(source.keys())) {
      if (k.startsWith(prefix)) {
        out.add(k);
      }
    }
    return out;
  }

  WeightsException missing(String key, long[] expected, String note) {
    String near = nearest(key);
    return new WeightsException(source.describe(key) + ": missing tensor '" + key + "'"
        + (expected == null ? "" : " (expected shape " + TensorShapes.str(expected) + ")")
        + (note == null ? "" : " (" + note + ")")
        + (near == null ? "" : "; nearest present key: '" + near + "'"));
  }

  private String nearest(String key) {
    int cut = key.lastIndexOf('.');
    while (cut > 0) {
      String prefix = key.substring(0, cut);
      for (String k : new TreeSet<>(source.keys())) {
        if (k.startsWith(prefix)) {
          return k;
        }
      }
      cut = prefix.lastIndexOf('.');
    }
    return null;
  }
}
