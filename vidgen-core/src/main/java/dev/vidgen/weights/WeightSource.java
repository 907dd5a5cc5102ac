package dev.vidgen.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Set;

/**
 * Where a component's tensors come from: safetensors files ({@link SafetensorsWeights}) or, to prove an
 * architecture without its gigabytes, a manifest of names and shapes ({@link ManifestWeights}).
 */
public interface WeightSource extends AutoCloseable {
  /** All tensor keys the source holds. */
  Set<String> keys();

  /** Header info of one key, or null. */
  TensorInfo info(String key);

  /** The file a key lives in, for messages. */
  String describe(String key);

  /**
   * The name a key has in the stored file, for messages: the key itself, except in views that rename ({@link
   * RenamedWeights}).
   */
  default String originalKey(String key) {
    return key;
  }

  /** A short name for messages, e.g. {@code unet/diffusion_pytorch_model.safetensors}. */
  String name();

  /** Creates the tensor in {@code manager}, converted to {@code dtype} when it is a floating-point tensor. */
  NDArray load(String key, NDManager manager, DataType dtype);

  /**
   * True for sources that make any tensor a model asks for ({@link RandomWeights}): then {@link #create} is
   * called with the model's expected shape instead of {@link #info}/{@link #load}.
   */
  default boolean synthesizes() {
    return false;
  }

  /** For synthesizing sources: a tensor of the requested shape. */
  default NDArray create(String key, long[] shape, NDManager manager, DataType dtype) {
    throw new UnsupportedOperationException(name() + " does not synthesize tensors");
  }

  @Override
  void close();
}
