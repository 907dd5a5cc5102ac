package dev.vidgen.examples.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam (Kingma and Ba, 2015, Algorithm 1) over a model's parameters, written in NDArray operations and updating the
 * parameter arrays in place, so the arrays a model was built on (its {@code WeightLoader.parameters()}) are trained
 * directly. Also keeps an exponential moving average of the parameters (what is saved: it samples better than the
 * raw weights of a short training run) and clips the global gradient norm.
 *
 * <p>Call {@link #step} after a {@code GradientCollector} has run backward and closed; it reads every parameter's
 * {@code .grad}, updates, and zeroes the gradients for the next step. Not thread safe.
 */
public final class Adam implements AutoCloseable {
  private final NDManager manager;
  private final Map<String, NDArray> params;
  private final Map<String, NDArray> m = new LinkedHashMap<>();
  private final Map<String, NDArray> v = new LinkedHashMap<>();
  private final Map<String, NDArray> ema = new LinkedHashMap<>();
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double emaDecay;
  private int t;
  private int skipped;

  /**
   * @param params the trained arrays by name; each gets {@code setRequiresGradient(true)}
   * @param manager where the optimizer state lives (closed with {@link #close})
   */
  public Adam(Map<String, NDArray> params, NDManager manager, double beta1, double beta2, double eps,
      double emaDecay) {
    this.manager = manager;
    this.params = new LinkedHashMap<>(params);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.emaDecay = emaDecay;
    for (Map.Entry<String, NDArray> e : this.params.entrySet()) {
      NDArray p = e.getValue();
      m.put(e.getKey(), manager.zeros(p.getShape(), p.getDataType()));
      v.put(e.getKey(), manager.zeros(p.getShape(), p.getDataType()));
      NDArray copy = p.duplicate();
      copy.attach(manager);
      ema.put(e.getKey(), copy);
      p.setRequiresGradient(true);
    }
  }

  /** Steps dropped because their gradient was not finite. */
  public int skipped() {
    return skipped;
  }

  /** Number of trained scalars. */
  public long size() {
    long n = 0;
    for (NDArray p : params.values()) {
      n += p.size();
    }
    return n;
  }

  /**
   * One update with learning rate {@code lr}, after clipping the global gradient norm to {@code maxNorm} (0: no
   * clipping).
   *
   * @return the gradient norm before clipping; when it is not finite the step is skipped (gradients zeroed, no
   *     update, {@link #skipped()} counts it)
   */
  @SuppressWarnings("try") // the scope frees what the body creates; it is not referenced
  public double step(double lr, double maxNorm) {
    t++;
    List<NDArray> grads = new ArrayList<>();
    // every temporary (gradient handles, products) is freed by the scope; in-place results are the state itself
    try (NDScope scratch = new NDScope()) {
      double sq = 0;
      for (NDArray p : params.values()) {
        NDArray g = p.getGradient();
        grads.add(g);
        try (NDArray s = g.square().sum()) {
          sq += s.getFloat();
        }
      }
      double norm = Math.sqrt(sq);
      if (!Double.isFinite(norm)) {
        // an overflowing batch: drop its gradient instead of letting inf * 0 turn every weight into NaN
        for (NDArray g : grads) {
          g.set(new float[Math.toIntExact(g.size())]); // multiplying by 0 would keep NaN and turn inf into NaN
        }
        t--;
        skipped++;
        return norm;
      }
      double clip = maxNorm > 0 && norm > maxNorm ? maxNorm / (norm + 1e-6) : 1.0;
      // bias corrections folded into the step size (Algorithm 1, the "more efficient" ordering of section 2)
      double stepSize = lr * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t));
      double decay = Math.min(emaDecay, (1.0 + t) / (10.0 + t)); // warm-up of the average
      int i = 0;
      for (Map.Entry<String, NDArray> e : params.entrySet()) {
        NDArray p = e.getValue();
        NDArray g = grads.get(i++);
        if (clip != 1.0) {
          g.muli((float) clip);
        }
        NDArray mi = m.get(e.getKey());
        NDArray vi = v.get(e.getKey());
        // m <- b1 m + (1 - b1) g ; v <- b2 v + (1 - b2) g^2
        mi.muli((float) beta1).addi(g.mul((float) (1 - beta1)));
        vi.muli((float) beta2).addi(g.square().muli((float) (1 - beta2)));
        // p <- p - stepSize * m / (sqrt(v) + eps)
        NDArray update = mi.div(vi.sqrt().addi((float) eps)).muli((float) stepSize);
        p.subi(update);
        // ema <- decay * ema + (1 - decay) * p
        ema.get(e.getKey()).muli((float) decay).addi(p.mul((float) (1 - decay)));
        g.subi(g); // zero the gradient in place (torch accumulates into .grad)
      }
      return norm;
    }
  }

  /** The moving average of each parameter (live arrays: copy before the optimizer is closed). */
  public Map<String, NDArray> averaged() {
    return java.util.Collections.unmodifiableMap(ema);
  }

  /** Copies the averaged weights into the model's arrays (after training, before sampling or saving). */
  public void loadAveraged() {
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      e.getValue().setRequiresGradient(false);
      e.getValue().set(ema.get(e.getKey()).toByteBuffer());
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
