package dev.vidgen.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.vidgen.api.WeightsException;
import java.util.Arrays;

/**
 * An immutable view of a component's weights at a key prefix, addressed by the exact diffusers state-dict names
 * (the candle {@code VarBuilder} idea): {@code w.at("down_blocks").at(0).at("resnets").at(1).get("conv1.weight",
 * 320, 320, 3, 3)} asks for {@code down_blocks.0.resnets.1.conv1.weight} and checks its shape. Errors name the file,
 * the full key, both shapes and the config field noted with {@link #because(String)}.
 */
public final class Weights {
  private final WeightLoader loader;
  private final String prefix;
  private final String note;

  Weights(WeightLoader loader, String prefix, String note) {
    this.loader = loader;
    this.prefix = prefix;
    this.note = note;
  }

  /** Descends one or more name levels: {@code at("down_blocks.0")} or {@code at("down_blocks").at(0)}. */
  public Weights at(String name) {
    return new Weights(loader, key(name) + ".", note);
  }

  public Weights at(int index) {
    return at(Integer.toString(index));
  }

  /** The same view, with a note that every error message from it carries (the config field behind a shape). */
  public Weights because(String configNote) {
    return new Weights(loader, prefix, configNote);
  }

  /** The full key of a name under this view. */
  public String key(String name) {
    return prefix + name;
  }

  public String prefix() {
    return prefix.endsWith(".") ? prefix.substring(0, prefix.length() - 1) : prefix;
  }

  public boolean has(String name) {
    return loader.source().synthesizes() || loader.source().info(key(name)) != null;
  }

  /** True when any tensor lives under {@code name.} (a sub-module is present). */
  public boolean hasModule(String name) {
    if (loader.source().synthesizes()) {
      return true;
    }
    String p = key(name) + ".";
    for (String k : loader.source().keys()) {
      if (k.startsWith(p)) {
        return true;
      }
    }
    return false;
  }

  public NDManager manager() {
    return loader.manager();
  }

  public DataType dtype() {
    return loader.dtype();
  }

  /** Takes a tensor and checks its shape. */
  public NDArray get(String name, long... expectedShape) {
    String key = key(name);
    if (loader.source().synthesizes()) {
      loader.markRequested(key, expectedShape);
      return loader.remember(key, loader.source().create(key, expectedShape.clone(), loader.manager(),
          loader.dtype()));
    }
    TensorInfo info = loader.source().info(key);
    if (info == null) {
      throw loader.missing(key, expectedShape, note);
    }
    if (!Arrays.equals(info.shape(), expectedShape)) {
      throw new WeightsException(loader.source().describe(key) + ": '" + key + "' has shape " + info.shapeString()
          + ", expected " + TensorShapes.str(expectedShape) + (note == null ? "" : " (" + note + ")"));
    }
    loader.markRequested(key, expectedShape);
    return loader.remember(key, loader.source().load(key, loader.manager(), loader.dtype()));
  }

  /** Takes a tensor if present (diffusers modules with optional parameters, e.g. a bias). */
  public NDArray getOptional(String name, long... expectedShape) {
    return has(name) ? get(name, expectedShape) : null;
  }

  @Override
  public String toString() {
    return "Weights[" + loader.source().name() + ":" + prefix + "]";
  }
}
