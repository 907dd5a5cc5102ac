package dev.vidgen.noise;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;

/**
 * The equivalent of {@code torch.Generator("cpu").manual_seed(seed)}: successive {@link #randn} calls return
 * exactly the numbers diffusers' {@code randn_tensor(shape, generator=g)} returns, so a seed gives diffusers'
 * video seed for seed.
 *
 * <p>DJL exposes only libtorch's process-global CPU generator. Each draw therefore happens under one global lock:
 * seed the global generator, replay the sizes this generator already drew (discarding them), then draw. Replaying
 * makes every {@code TorchGenerator} independent of every other and of other threads, at the cost of redrawing
 * earlier noise (a few milliseconds for latent-sized tensors). Draws are made on the CPU in float32, as diffusers
 * does, then moved by the caller.
 *
 * <p>Not thread-safe itself (one per generation); concurrent generations each use their own.
 */
public final class TorchGenerator implements NoiseSource {
  private static final Object GLOBAL_GENERATOR_LOCK = new Object();

  private final long seed;
  private final List<Shape> drawn = new ArrayList<>();

  public TorchGenerator(long seed) {
    this.seed = seed;
  }

  public long seed() {
    return seed;
  }

  /**
   * Standard normal noise of {@code shape}, float32, in {@code manager}. The numbers are always drawn on the CPU,
   * as diffusers draws them, then moved to the manager's device, so a seed gives the same noise on every device.
   */
  @Override
  public NDArray randn(NDManager manager, Shape shape) {
    if (!manager.getDevice().equals(Device.cpu())) {
      try (NDManager cpu = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
        NDArray moved = randn(cpu, shape).toDevice(manager.getDevice(), true);
        moved.attach(manager);
        return moved;
      }
    }
    synchronized (GLOBAL_GENERATOR_LOCK) {
      Engine.getEngine("PyTorch"); // loads libtorch before the JNI call below
      JniUtils.setSeed(seed); // torch.manual_seed: full 64-bit seed (DJL's Engine API takes an int only)
      try (NDManager scratch = manager.newSubManager()) {
        for (Shape s : drawn) {
          scratch.randomNormal(0f, 1f, s, DataType.FLOAT32).close();
        }
      }
      NDArray out = manager.randomNormal(0f, 1f, shape, DataType.FLOAT32);
      drawn.add(shape);
      return out;
    }
  }

  @Override
  public String toString() {
    return "TorchGenerator(seed=" + seed + ", draws=" + drawn.size() + ")";
  }
}
