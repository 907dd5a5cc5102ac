package dev.vidgen.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.noise.TorchGenerator;
import java.util.Set;

/**
 * A weight source that makes every tensor a model asks for: normal noise scaled by {@code 1/sqrt(fan_in)} for
 * matrices and kernels (so activations keep their scale through deep stacks), ones for norm weights and zeros for
 * biases. Deterministic for a seed. Used to build full-size architectures for benchmarks without their checkpoints,
 * and as the starting point of training.
 */
public final class RandomWeights implements WeightSource {
  private final long seed;
  private final double gain;

  public RandomWeights(long seed, double gain) {
    this.seed = seed;
    this.gain = gain;
  }

  public RandomWeights(long seed) {
    this(seed, 1.0);
  }

  @Override
  public boolean synthesizes() {
    return true;
  }

  @Override
  public NDArray create(String key, long[] shape, NDManager manager, DataType dtype) {
    Shape s = new Shape(shape);
    boolean norm = key.contains("norm") && key.endsWith(".weight") && shape.length == 1;
    if (key.endsWith(".bias") || (shape.length == 1 && !norm && !key.endsWith(".weight"))) {
      return manager.zeros(s, dtype);
    }
    if (norm || shape.length == 1) {
      return manager.ones(s, dtype);
    }
    long fanIn = 1;
    for (int i = 1; i < shape.length; i++) {
      fanIn *= shape[i];
    }
    try (NDManager cpu = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
      // one generator per tensor, seeded from the key: a single draw each (no replay), independent of order
      long tensorSeed = seed * 0x9E3779B97F4A7C15L + key.hashCode();
      NDArray n = new TorchGenerator(tensorSeed).randn(cpu, s).mul((float) (gain / Math.sqrt(fanIn)));
      NDArray out = n.toDevice(manager.getDevice(), true).toType(dtype, false);
      out.attach(manager);
      return out;
    }
  }

  @Override
  public Set<String> keys() {
    return Set.of();
  }

  @Override
  public TensorInfo info(String key) {
    return null;
  }

  @Override
  public String describe(String key) {
    return name();
  }

  @Override
  public String name() {
    return "random weights";
  }

  @Override
  public NDArray load(String key, NDManager manager, DataType dtype) {
    throw new UnsupportedOperationException("random weights are created with create()");
  }

  @Override
  public void close() {}
}
