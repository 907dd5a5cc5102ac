package dev.vidgen.schedulers;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.vidgen.noise.NoiseSource;
import dev.vidgen.weights.JsonConfig;

/**
 * Port of diffusers v0.32.2 {@code schedulers/scheduling_euler_ancestral_discrete.py}
 * ({@code EulerAncestralDiscreteScheduler}): Euler steps to {@code sigma_down} plus fresh noise of size
 * {@code sigma_up} every step (k-diffusion's {@code sample_euler_ancestral}). The noise comes from
 * {@link SchedulerOptions#noise()}, one draw of the model output's shape per step, as diffusers draws it.
 */
public final class EulerAncestralDiscreteScheduler implements Scheduler {
  public static final String CLASS_NAME = "EulerAncestralDiscreteScheduler";

  private final JsonConfig json;
  private final EulerAncestralDiscreteSchedulerConfig config;
  private final float[] sigmaTable;

  public EulerAncestralDiscreteScheduler(JsonConfig json) {
    this.json = json;
    this.config = EulerAncestralDiscreteSchedulerConfig.parse(json);
    json.logUnknown(CLASS_NAME);
    float[] betas = NoiseSchedules.betas(json, config.betaSchedule(), config.betaStart(), config.betaEnd(),
        config.numTrainTimesteps(), config.trainedBetas());
    this.sigmaTable = NoiseSchedules.sigmaTable(
        NoiseSchedules.alphasCumprodWithZeroSnr(betas, config.rescaleBetasZeroSnr()));
  }

  @Override
  public String className() {
    return CLASS_NAME;
  }

  @Override
  public JsonConfig config() {
    return json;
  }

  public EulerAncestralDiscreteSchedulerConfig schedulerConfig() {
    return config;
  }

  @Override
  public SchedulerRun start(int numInferenceSteps, SchedulerOptions options) {
    checkArgument(options.sigmas() == null, "EulerAncestralDiscreteScheduler.set_timesteps takes no sigmas");
    checkArgument(options.noise() != null, "EulerAncestralDiscreteScheduler adds noise in every step: "
        + "SchedulerOptions.noise must be set");
    // "linspace", "leading", "trailing" corresponds to annotation of Table 2. of https://arxiv.org/abs/2305.08891
    float[] timesteps = EulerDiscreteScheduler.spacedTimesteps(config.numTrainTimesteps(), numInferenceSteps,
        config.timestepSpacing(), config.stepsOffset());
    double[] t = new double[timesteps.length];
    for (int i = 0; i < t.length; i++) {
      t[i] = timesteps[i];
    }
    double[] interpolated = NumpyMath.interpArange(t, sigmaTable);
    float[] sigmas = new float[interpolated.length + 1]; // np.concatenate([sigmas, [0.0]]).astype(np.float32)
    for (int i = 0; i < interpolated.length; i++) {
      sigmas[i] = (float) interpolated[i];
    }
    return new Run(timesteps, sigmas, EulerDiscreteScheduler.initNoiseSigma(sigmas, config.timestepSpacing()),
        options.noise());
  }

  private final class Run implements SchedulerRun {
    private final float[] timesteps;
    private final float[] sigmas;
    private final double initNoiseSigma;
    private final NoiseSource noise;
    private int nextStep;

    Run(float[] timesteps, float[] sigmas, double initNoiseSigma, NoiseSource noise) {
      this.timesteps = timesteps;
      this.sigmas = sigmas;
      this.initNoiseSigma = initNoiseSigma;
      this.noise = noise;
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

    @Override
    public double initNoiseSigma() {
      return initNoiseSigma;
    }

    private void checkStep(int stepIndex) {
      checkArgument(stepIndex >= 0 && stepIndex < timesteps.length, "step index %s is outside [0, %s)", stepIndex,
          timesteps.length);
    }

    @Override
    public NDArray scaleModelInput(NDArray sample, int stepIndex) {
      checkStep(stepIndex);
      try (StepScope scope = new StepScope(sample)) {
        return scope.result(sample.div(EulerDiscreteScheduler.inputScale(sigmas[stepIndex])));
      }
    }

    @Override
    public NDArray step(NDArray modelOutput, int stepIndex, NDArray sample) {
      // Notation (k-diffusion sample_euler_ancestral):
      // - pred_original_sample -> denoised x_0
      // - sigma_up -> std of the fresh noise, sigma_down -> where the deterministic Euler step lands
      // - derivative -> d = (x - x_0) / sigma
      checkStep(stepIndex);
      checkState(stepIndex == nextStep, "steps must be taken in order (the noise draws follow them): expected "
          + "step %s, got %s", nextStep, stepIndex);
      float sigma = sigmas[stepIndex];
      try (StepScope scope = new StepScope(sample)) {
        // Upcast to avoid precision issues when computing prev_sample
        NDArray x = sample.getDataType() == DataType.FLOAT32 ? sample : sample.toType(DataType.FLOAT32, false);
        // 1. compute predicted original sample (x_0) from sigma-scaled predicted noise
        NDArray predOriginalSample = switch (config.predictionType()) {
          case EPSILON -> x.sub(modelOutput.mul(sigma));
          case V_PREDICTION -> {
            // * c_out + input * c_skip
            float cOut = -sigma / EulerDiscreteScheduler.inputScale(sigma);
            yield modelOutput.mul(cOut).add(x.div(sigma * sigma + 1f));
          }
          default -> throw new IllegalStateException("unreachable: " + config.predictionType());
        };
        float sigmaFrom = sigmas[stepIndex];
        float sigmaTo = sigmas[stepIndex + 1];
        float sigmaUp = (float) Math.sqrt(sigmaTo * sigmaTo * (sigmaFrom * sigmaFrom - sigmaTo * sigmaTo)
            / (sigmaFrom * sigmaFrom));
        float sigmaDown = (float) Math.sqrt(sigmaTo * sigmaTo - sigmaUp * sigmaUp);
        // 2. Convert to an ODE derivative
        NDArray derivative = x.sub(predOriginalSample).div(sigma);
        float dt = sigmaDown - sigma;
        NDArray prevSample = x.add(derivative.mul(dt));
        // 3. add the ancestral noise: randn_tensor(model_output.shape, generator=generator)
        NDArray stepNoise = noise.randn(sample.getManager(), modelOutput.getShape());
        prevSample = prevSample.add(stepNoise.mul(sigmaUp));
        // Cast sample back to model compatible dtype
        if (prevSample.getDataType() != modelOutput.getDataType()) {
          prevSample = prevSample.toType(modelOutput.getDataType(), false);
        }
        nextStep++;
        return scope.result(prevSample);
      }
    }

    @Override
    public void close() {
      // no history
    }
  }
}
