package dev.vidgen.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.vidgen.api.WeightsException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The part of a checkpoint that belongs to one component, seen under diffusers names: a view over another {@link
 * WeightSource} (typically one single-file checkpoint holding several components under their original names) that
 * keeps the keys a selection accepts, renames them with a {@link KeyRenames} table, and leaves out the keys the
 * converter discards. This is the shape of diffusers' {@code convert_*_checkpoint_to_diffusers} functions: select
 * (e.g. {@code "vae." in key}), rename, then drop the special keys matched on the renamed key.
 *
 * <p>Models load from it unchanged, and loading stays strict: {@link WeightLoader#finish} names any selected tensor
 * the model did not take, with the name it has in the file ({@link #originalKey}). Tensors are read lazily from the
 * underlying source. Closing this view does not close the underlying source, which may be shared by several views;
 * its opener closes it.
 */
public final class RenamedWeights implements WeightSource {
  private final WeightSource original;
  private final String name;
  private final Map<String, String> toOriginal;
  private final List<String> dropped;

  /**
   * @param original the whole checkpoint
   * @param component what the selection is (e.g. {@code vae}), for messages
   * @param selects which original keys belong to the component
   * @param renames the rename table, applied to each selected key
   * @param dropIfContains after renaming, keys containing any of these texts are left out (diffusers' special keys
   *     removed by {@code remove_keys_})
   */
  public RenamedWeights(WeightSource original, String component, Predicate<String> selects, KeyRenames renames,
      List<String> dropIfContains) {
    this.original = original;
    this.name = original.name() + " [" + component + "]";
    Map<String, String> map = new LinkedHashMap<>();
    List<String> drops = new ArrayList<>();
    for (String key : original.keys()) {
      if (!selects.test(key)) {
        continue;
      }
      String renamed = renames.apply(key);
      if (dropIfContains.stream().anyMatch(renamed::contains)) {
        drops.add(key);
        continue;
      }
      String previous = map.put(renamed, key);
      if (previous != null) {
        throw new WeightsException(original.name() + ": '" + previous + "' and '" + key + "' both become '"
            + renamed + "' under the " + component + " rename table; the checkpoint is not in the expected layout");
      }
    }
    this.toOriginal = Collections.unmodifiableMap(map);
    this.dropped = List.copyOf(drops);
  }

  /** The original keys the converter discards (in the selection, matched by a drop text). */
  public List<String> dropped() {
    return dropped;
  }

  /** Renamed key → original key, in the underlying source's order. */
  public Map<String, String> renames() {
    return toOriginal;
  }

  @Override
  public Set<String> keys() {
    return toOriginal.keySet();
  }

  @Override
  public TensorInfo info(String key) {
    String o = toOriginal.get(key);
    return o == null ? null : original.info(o);
  }

  @Override
  public String describe(String key) {
    String o = toOriginal.get(key);
    return o == null ? name : original.describe(o) + " (stored as '" + o + "')";
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String originalKey(String key) {
    String o = toOriginal.get(key);
    return o == null ? key : o;
  }

  @Override
  public NDArray load(String key, NDManager manager, DataType dtype) {
    String o = toOriginal.get(key);
    if (o == null) {
      throw new WeightsException(name + ": no tensor '" + key + "'");
    }
    return original.load(o, manager, dtype);
  }

  /** Does not close the underlying source. */
  @Override
  public void close() {}
}
