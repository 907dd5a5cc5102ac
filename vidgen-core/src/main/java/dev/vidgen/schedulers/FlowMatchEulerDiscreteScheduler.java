package dev.vidgen.schedulers;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.vidgen.weights.JsonConfig;

/**
 * Port of diffusers v0.32.2 {@code schedulers/scheduling_flow_match_euler_discrete.py}
 * ({@code FlowMatchEulerDiscreteScheduler}): Euler steps of a rectified-flow ODE, {@code x += (sigma_next - sigma)
 * * v}, with static or resolution-dependent ({@code mu}) timestep shifting and LTX's terminal stretch.
 *
 * <p>Precision follows numpy 1.24: caller-given sigmas are float32 and stay float32 through the shift and stretch;
 * sigmas made here from {@code np.linspace} are float64 until the final float32 conversion.
 */
public final class FlowMatchEulerDiscreteScheduler implements Scheduler {
  public static final String CLASS_NAME = "FlowMatchEulerDiscreteScheduler";

  private final JsonConfig json;
  private final FlowMatchEulerDiscreteSchedulerConfig config;
  /** {@code self.sigma_min}, {@code self.sigma_max} of {@code __init__} (float32 values). */
  private final float sigmaMin;
  private final float sigmaMax;

  public FlowMatchEulerDiscreteScheduler(JsonConfig json) {
    this.json = json;
    this.config = FlowMatchEulerDiscreteSchedulerConfig.parse(json);
    json.logUnknown(CLASS_NAME);
    // timesteps = np.linspace(1, num_train_timesteps, num_train_timesteps, dtype=np.float32)[::-1] runs from
    // num_train_timesteps down to 1; sigmas = timesteps / num_train_timesteps, shifted here unless
    // use_dynamic_shifting. Only the ends are kept.
    this.sigmaMax = initSigma((float) config.numTrainTimesteps());
    this.sigmaMin = initSigma(1f);
  }

  private float initSigma(float timestep) {
    float sigma = timestep / (float) config.numTrainTimesteps();
    if (!config.useDynamicShifting()) {
      float shift = (float) config.shift();
      sigma = shift * sigma / (1f + (float) (config.shift() - 1) * sigma);
    }
    return sigma;
  }

  @Override
  public String className() {
    return CLASS_NAME;
  }

  @Override
  public JsonConfig config() {
    return json;
  }

  public FlowMatchEulerDiscreteSchedulerConfig schedulerConfig() {
    return config;
  }

  @Override
  public SchedulerRun start(int numInferenceSteps, SchedulerOptions options) {
    if (config.useDynamicShifting() && options.mu() == null) {
      throw new IllegalArgumentException("FlowMatchEulerDiscreteScheduler: " + json.file()
          + " sets use_dynamic_shifting, so SchedulerOptions.mu must be given (see calculateShift)");
    }
    boolean stretch = config.shiftTerminal() != null && config.shiftTerminal() != 0;
    double[] sigmas; // the values before the final float32 conversion
    if (options.sigmas() == null) {
      checkArgument(numInferenceSteps >= 1, "num_inference_steps must be >= 1 but was %s", numInferenceSteps);
      int trainSteps = config.numTrainTimesteps();
      double[] timesteps = NumpyMath.linspace((double) sigmaMax * trainSteps, (double) sigmaMin * trainSteps,
          numInferenceSteps);
      sigmas = new double[numInferenceSteps];
      for (int i = 0; i < sigmas.length; i++) {
        sigmas[i] = timesteps[i] / trainSteps;
      }
      // float64 arithmetic
      for (int i = 0; i < sigmas.length; i++) {
        double t = sigmas[i];
        if (config.useDynamicShifting()) {
          double e = Math.exp(options.mu()); // time_shift(mu, 1.0, t)
          sigmas[i] = e / (e + (1 / t - 1));
        } else {
          sigmas[i] = config.shift() * t / (1 + (config.shift() - 1) * t);
        }
      }
      if (stretch) {
        // stretch_shift_to_terminal(t)
        double scaleFactor = (1 - sigmas[sigmas.length - 1]) / (1 - config.shiftTerminal());
        for (int i = 0; i < sigmas.length; i++) {
          sigmas[i] = 1 - (1 - sigmas[i]) / scaleFactor;
        }
      }
    } else {
      double[] given = options.sigmas();
      checkArgument(given.length >= 1, "sigmas must not be empty");
      checkArgument(numInferenceSteps == given.length, "with %s sigmas, num_inference_steps is %s, not %s",
          given.length, given.length, numInferenceSteps);
      // float32 arithmetic: np.array(sigmas).astype(np.float32) keeps numpy in float32
      float[] s = new float[given.length];
      for (int i = 0; i < s.length; i++) {
        float t = (float) given[i];
        if (config.useDynamicShifting()) {
          float e = (float) Math.exp(options.mu());
          s[i] = e / (e + (1f / t - 1f));
        } else {
          float shift = (float) config.shift();
          s[i] = shift * t / (1f + (float) (config.shift() - 1) * t);
        }
      }
      if (stretch) {
        // one_minus_z[-1] / (1 - shift_terminal) is a float64 scalar; the division by it is float32
        float scaleFactor = (float) ((double) (1f - s[s.length - 1]) / (1 - config.shiftTerminal()));
        for (int i = 0; i < s.length; i++) {
          s[i] = 1f - (1f - s[i]) / scaleFactor;
        }
      }
      sigmas = new double[s.length];
      for (int i = 0; i < s.length; i++) {
        sigmas[i] = s[i];
      }
    }
    int n = sigmas.length;
    if (config.useKarrasSigmas() || config.useExponentialSigmas() || config.useBetaSigmas()) {
      double min = config.sigmaMin() != null ? config.sigmaMin() : sigmas[n - 1];
      double max = config.sigmaMax() != null ? config.sigmaMax() : sigmas[0];
      sigmas = config.useKarrasSigmas() ? SigmaConversions.karras(min, max, n)
          : config.useExponentialSigmas() ? SigmaConversions.exponential(min, max, n)
          : SigmaConversions.beta(min, max, n, 0.6, 0.6);
    }
    float trainSteps = config.numTrainTimesteps();
    float[] s = new float[n + 1];
    float[] timesteps = new float[n];
    for (int i = 0; i < n; i++) {
      s[i] = (float) sigmas[i];
      if (config.invertSigmas()) {
        s[i] = 1f - s[i];
      }
      timesteps[i] = s[i] * trainSteps;
    }
    s[n] = config.invertSigmas() ? 1f : 0f;
    return new Run(timesteps, s);
  }

  private static final class Run implements SchedulerRun {
    private final float[] timesteps;
    private final float[] sigmas;

    Run(float[] timesteps, float[] sigmas) {
      this.timesteps = timesteps;
      this.sigmas = sigmas;
    }

    @Override
    public double[] timesteps() {
      double[] out = new double[timesteps.length];
      for (int i = 0; i < out.length; i++) {
        out[i] = timesteps[i];
      }
      return out;
    }

    @Override
    public double[] sigmas() {
      double[] out = new double[sigmas.length];
      for (int i = 0; i < out.length; i++) {
        out[i] = sigmas[i];
      }
      return out;
    }

    /** diffusers' flow-matching scheduler has no {@code init_noise_sigma}; pipelines use the noise as drawn. */
    @Override
    public double initNoiseSigma() {
      return 1.0;
    }

    private void checkStep(int stepIndex) {
      checkArgument(stepIndex >= 0 && stepIndex < timesteps.length, "step index %s is outside [0, %s)", stepIndex,
          timesteps.length);
    }

    /** diffusers' flow-matching scheduler has no {@code scale_model_input}: identity (a copy). */
    @Override
    public NDArray scaleModelInput(NDArray sample, int stepIndex) {
      checkStep(stepIndex);
      try (StepScope scope = new StepScope(sample)) {
        return scope.result(sample.duplicate());
      }
    }

    @Override
    public NDArray step(NDArray modelOutput, int stepIndex, NDArray sample) {
      // Notation (rectified flow, x_sigma = (1 - sigma) x_0 + sigma noise):
      // - model_output -> v = d x / d sigma
      // - sigma, sigma_next -> sigmas[i], sigmas[i + 1]
      checkStep(stepIndex);
      try (StepScope scope = new StepScope(sample)) {
        // 1. Upcast to avoid precision issues when computing prev_sample
        NDArray x = sample.getDataType() == DataType.FLOAT32 ? sample : sample.toType(DataType.FLOAT32, false);
        // 2. Euler step in sigma
        float dt = sigmas[stepIndex + 1] - sigmas[stepIndex];
        NDArray prevSample = x.add(modelOutput.mul(dt));
        // 3. Cast sample back to model compatible dtype
        if (prevSample.getDataType() != modelOutput.getDataType()) {
          prevSample = prevSample.toType(modelOutput.getDataType(), false);
        }
        return scope.result(prevSample);
      }
    }

    @Override
    public void close() {
      // stateless
    }
  }
}
