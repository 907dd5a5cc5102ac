package dev.vidgen.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.vidgen.noise.TorchGenerator;
import dev.vidgen.weights.RandomWeights;
import dev.vidgen.weights.WeightLoader;
import dev.vidgen.weights.Weights;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Training runs DJL's autograd through our blocks, whose {@code forward} bodies run in {@link Scopes#keep} and
 * close every intermediate handle (and {@link Ops} closes its own temporaries with try-with-resources). Closing a
 * DJL handle only drops the Java side's reference to the torch tensor; the autograd graph keeps its own references
 * to what backward needs. This test checks that claim numerically: the autograd gradient of a Linear → GroupNorm →
 * Attention (with group norm, cross-attention and residual) → SiLU composition, with every intermediate closed,
 * equals a central-difference gradient computed in float64.
 */
class ScopesAutogradTest {

  /** The composition under test; every block closes its temporaries. */
  private record Net(Linear proj, GroupNorm norm, Attention attn, Attention cross) {
    static Net build(Weights w) {
      Linear proj = Linear.load(w.at("proj"), 6, 8);
      GroupNorm norm = GroupNorm.load(w.at("norm"), 2, 8, 1e-5);
      Attention attn = new Attention(w.at("attn"), new Attention.Config(8, 8, 2, 4, true, true, 8,
          Attention.QkNorm.NONE, 1e-5, 2, true, 1.0));
      Attention cross = new Attention(w.at("cross"), Attention.Config.of(8, 5, 2, 4, false));
      return new Net(proj, norm, attn, cross);
    }

    /** {@code x [B, L, 6]}, {@code ctx [B, S, 5]} → scalar loss. */
    NDArray loss(NDArray x, NDArray ctx) {
      return Scopes.keep(() -> {
        NDArray h = proj.forward(x); // (B, L, 8)
        h = norm.forward(h.swapAxes(1, 2)).swapAxes(1, 2); // norm channels-first (B, 8, L), back to (B, L, 8)
        h = attn.forward(h);
        h = cross.forward(h, ctx, null);
        return Ops.silu(h).square().sum();
      });
    }
  }

  @Test
  void autogradThroughClosedIntermediatesMatchesNumericalGradient() {
    try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
      WeightLoader loader = new WeightLoader(new RandomWeights(7, 1.5), manager, DataType.FLOAT64);
      Net net = Net.build(loader.root());
      Map<String, NDArray> params = loader.parameters();
      // give biases and norm affines non-trivial values so their gradients are exercised too
      TorchGenerator gen = new TorchGenerator(11);
      for (NDArray p : params.values()) {
        try (NDArray r = gen.randn(manager, p.getShape()).toType(DataType.FLOAT64, false)) {
          p.addi(r.mul(0.3));
        }
      }
      NDArray x = gen.randn(manager, new Shape(2, 5, 6)).toType(DataType.FLOAT64, false);
      NDArray ctx = gen.randn(manager, new Shape(2, 3, 5)).toType(DataType.FLOAT64, false);
      for (NDArray p : params.values()) {
        p.setRequiresGradient(true);
      }

      int before = manager.getManagedArrays().size();
      try (NDScope outer = new NDScope();
          GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray loss = net.loss(x, ctx);
        collector.backward(loss);
      }
      assertEquals(before, manager.getManagedArrays().size(), "the training step left arrays behind");

      double maxRel = 0;
      int checked = 0;
      for (Map.Entry<String, NDArray> e : params.entrySet()) {
        NDArray p = e.getValue();
        double[] grad;
        try (NDArray g = p.getGradient()) {
          grad = g.toDoubleArray();
        }
        p.setRequiresGradient(false); // plain (non-leaf-tracking) arithmetic for the finite differences
        long n = p.size();
        for (long i = 0; i < n; i += Math.max(1, n / 7)) {
          double numeric = centralDifference(net, p, i, x, ctx);
          double scale = Math.max(1.0, Math.abs(numeric));
          double rel = Math.abs(numeric - grad[(int) i]) / scale;
          maxRel = Math.max(maxRel, rel);
          assertTrue(rel < 1e-6, e.getKey() + "[" + i + "]: autograd " + grad[(int) i] + " vs numerical " + numeric);
          checked++;
        }
      }
      assertTrue(checked > 40, "checked only " + checked + " entries");
      assertTrue(params.containsKey("attn.group_norm.weight") && params.containsKey("cross.to_k.weight"),
          "the composition must include the attention group norm and the cross-attention keys: " + params.keySet());
    }
  }

  /**
   * Backward must not depend on the JVM's garbage collector. DJL's {@code x.mul(Number)} wraps a Java direct buffer
   * as a tensor that autograd saves for the backward pass; after a collection frees that buffer the gradient is
   * garbage (this failed, with NaN, before {@link Ops#scalar}). Here a collection runs between forward and backward,
   * and freed native memory is overwritten with NaN, and the gradients must be exactly those of an undisturbed run.
   */
  @Test
  void gradientsDoNotDependOnGarbageCollectionBetweenForwardAndBackward() throws InterruptedException {
    try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
      WeightLoader loader = new WeightLoader(new RandomWeights(3, 1.5), manager, DataType.FLOAT32);
      Net net = Net.build(loader.root());
      TorchGenerator gen = new TorchGenerator(5);
      NDArray x = gen.randn(manager, new Shape(2, 5, 6));
      NDArray ctx = gen.randn(manager, new Shape(2, 3, 5));
      for (NDArray p : loader.parameters().values()) {
        p.setRequiresGradient(true);
      }
      float[] quiet = gradients(net, loader, x, ctx, false);
      float[] disturbed = gradients(net, loader, x, ctx, true);
      for (int i = 0; i < quiet.length; i++) {
        assertEquals(quiet[i], disturbed[i], 0f, "gradient entry " + i + " changed after a garbage collection");
      }
    }
  }

  /** All parameter gradients, flattened; resets them afterwards. */
  private static float[] gradients(Net net, WeightLoader loader, NDArray x, NDArray ctx, boolean collect)
      throws InterruptedException {
    try (NDScope outer = new NDScope();
        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray loss = net.loss(x, ctx);
      if (collect) {
        disturbFreedNativeMemory();
      }
      collector.backward(loss);
    }
    java.util.List<Float> all = new java.util.ArrayList<>();
    for (NDArray p : loader.parameters().values()) {
      try (NDArray g = p.getGradient()) {
        for (float v : g.toFloatArray()) {
          all.add(v);
        }
        g.subi(g);
      }
    }
    float[] out = new float[all.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = all.get(i);
    }
    return out;
  }

  /** Collects garbage (freeing unreachable direct buffers) and refills small freed blocks with NaN. */
  private static void disturbFreedNativeMemory() throws InterruptedException {
    for (int round = 0; round < 3; round++) {
      System.gc();
      Thread.sleep(50); // direct buffers are freed by their cleaners, after the collection
      java.nio.ByteBuffer[] fill = new java.nio.ByteBuffer[2000];
      for (int i = 0; i < fill.length; i++) {
        fill[i] = java.nio.ByteBuffer.allocateDirect(4 << (i % 4)).order(java.nio.ByteOrder.nativeOrder());
        while (fill[i].remaining() >= 4) {
          fill[i].putFloat(Float.NaN);
        }
      }
    }
  }

  private static double centralDifference(Net net, NDArray p, long flatIndex, NDArray x, NDArray ctx) {
    double h = 1e-6;
    double[] values = p.toDoubleArray();
    double saved = values[(int) flatIndex];
    values[(int) flatIndex] = saved + h;
    p.set(values);
    double plus = evaluate(net, x, ctx);
    values[(int) flatIndex] = saved - h;
    p.set(values);
    double minus = evaluate(net, x, ctx);
    values[(int) flatIndex] = saved;
    p.set(values);
    return (plus - minus) / (2 * h);
  }

  private static double evaluate(Net net, NDArray x, NDArray ctx) {
    try (NDScope s = new NDScope()) {
      return net.loss(x, ctx).getDouble();
    }
  }
}
