package dev.vidgen.check;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vidgen.api.ConfigException;
import dev.vidgen.api.HostTensor;
import dev.vidgen.noise.TorchGenerator;
import dev.vidgen.schedulers.Scheduler;
import dev.vidgen.schedulers.SchedulerOptions;
import dev.vidgen.schedulers.SchedulerRun;
import dev.vidgen.schedulers.Schedulers;
import dev.vidgen.weights.JsonConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Replays a scheduler fixture case ({@code fixtures/schedulers/<name>/}, see the fixtures README) and compares every
 * stage with diffusers' recording: the scheduler is built from the case's {@code scheduler_config.json}, planned with
 * the recorded {@code set_timesteps} arguments, started from the recorded {@code sample.start}, fed the recorded
 * model outputs, and given {@code TorchGenerator(seed + 1)} as the noise of {@code step()} (the case's
 * {@code step_generator}). Each step continues from this run's own previous sample, so errors accumulate as they
 * would in a pipeline.
 *
 * <p>Tolerances: timesteps exactly; sigmas and {@code init_noise_sigma} within {@value #SIGMA_RELATIVE} relative
 * error per element; {@code sample.start}, every {@code scaled_model_input} and every {@code prev_sample} within
 * {@value #SAMPLE_RELATIVE} × max(1, max|reference|) absolute error (a float32 port lands about 1e-7 × magnitude
 * away per step; the slack covers float32 rounding accumulated over the steps).
 */
public final class SchedulerCaseRunner {
  /** Relative error allowed per element of sigmas and init_noise_sigma. */
  public static final double SIGMA_RELATIVE = 1e-6;
  /** Allowed max|Δ| of samples, relative to max(1, max|reference|). */
  public static final double SAMPLE_RELATIVE = 1e-5;

  private SchedulerCaseRunner() {}

  /** Runs the case with its own {@code scheduler_config.json}. */
  public static List<Comparison> run(Path caseDir) {
    return run(caseDir, JsonConfig.read(caseDir.resolve("scheduler_config.json")));
  }

  /** Runs the case with another config (e.g. one switched from a different class, or deliberately wrong). */
  public static List<Comparison> run(Path caseDir, JsonConfig config) {
    return run(caseDir, Schedulers.fromConfig(config));
  }

  /** Runs the case with a given scheduler. */
  public static List<Comparison> run(Path caseDir, Scheduler scheduler) {
    JsonObject reference = readJson(caseDir.resolve("reference.json"));
    Map<String, HostTensor> tensors = ReferenceTensors.read(caseDir.resolve("reference.safetensors"));
    int steps = reference.get("num_inference_steps").getAsInt();
    long seed = reference.get("seed").getAsLong();
    SchedulerOptions options = options(reference, seed);
    List<Comparison> out = new ArrayList<>();
    try (NDManager manager = NDManager.newBaseManager(Device.cpu());
        SchedulerRun run = scheduler.start(steps, options)) {
      HostTensor refTimesteps = require(tensors, "timesteps", caseDir);
      out.add(Comparison.of("timesteps", refTimesteps, host(run.timesteps()), 0));
      HostTensor refSigmas = tensors.get("sigmas");
      if (refSigmas != null) {
        double[] sigmas = run.sigmas();
        out.add(relative("sigmas", refSigmas, sigmas == null ? null : host(sigmas)));
      }
      HostTensor refInit = require(tensors, "init_noise_sigma", caseDir);
      out.add(relative("init_noise_sigma", refInit, host(new double[] {run.initNoiseSigma()})));

      HostTensor initial = require(tensors, "sample.initial", caseDir);
      HostTensor start = require(tensors, "sample.start", caseDir);
      try (NDArray noise = manager.create(initial.data(), new Shape(initial.shape()));
          NDArray scaled = noise.mul((float) run.initNoiseSigma())) {
        out.add(sampleComparison("sample.start", start, toHost(scaled)));
      }
      NDArray sample = manager.create(start.data(), new Shape(start.shape()));
      double[] timesteps = run.timesteps();
      for (int i = 0; tensors.containsKey("step" + i + ".prev_sample"); i++) {
        String prefix = "step" + i + ".";
        HostTensor refTimestep = tensors.get(prefix + "timestep");
        if (i >= timesteps.length) {
          out.add(new Comparison(prefix + "prev_sample", Double.POSITIVE_INFINITY, -1, Double.NaN, Double.NaN, 1, 1,
              0, "the run has only " + timesteps.length + " steps"));
          break;
        }
        if (refTimestep != null) {
          out.add(Comparison.of(prefix + "timestep", refTimestep, host(new double[] {timesteps[i]}), 0));
        }
        NDArray next;
        try (NDScope scope = new NDScope()) {
          scope.suppressNotUsedWarning(); // the scope frees what the step makes
          HostTensor refScaled = tensors.get(prefix + "scaled_model_input");
          if (refScaled != null) {
            out.add(sampleComparison(prefix + "scaled_model_input", refScaled,
                toHost(run.scaleModelInput(sample, i))));
          }
          HostTensor modelOutput = require(tensors, prefix + "model_output", caseDir);
          next = run.step(manager.create(modelOutput.data(), new Shape(modelOutput.shape())), i, sample);
          NDScope.unregister(next);
        }
        out.add(sampleComparison(prefix + "prev_sample", require(tensors, prefix + "prev_sample", caseDir),
            toHost(next)));
        sample.close();
        sample = next;
      }
      sample.close();
    }
    return out;
  }

  /** The {@code set_timesteps} arguments, eta and the step noise of the case. */
  private static SchedulerOptions options(JsonObject reference, long seed) {
    SchedulerOptions options = SchedulerOptions.DEFAULT.withNoise(new TorchGenerator(seed + 1));
    JsonElement eta = reference.get("eta");
    if (eta != null && !eta.isJsonNull()) {
      options = options.withEta(eta.getAsDouble());
    }
    JsonElement kwargs = reference.get("set_timesteps_kwargs");
    if (kwargs != null && kwargs.isJsonObject()) {
      JsonObject k = kwargs.getAsJsonObject();
      if (k.has("timesteps") && !k.get("timesteps").isJsonNull()) {
        throw new ConfigException("reference.json: set_timesteps_kwargs.timesteps (custom timesteps) is not "
            + "supported by SchedulerOptions; only sigmas and mu are");
      }
      if (k.has("sigmas") && !k.get("sigmas").isJsonNull()) {
        JsonArray a = k.getAsJsonArray("sigmas");
        double[] sigmas = new double[a.size()];
        for (int i = 0; i < sigmas.length; i++) {
          sigmas[i] = a.get(i).getAsDouble();
        }
        options = options.withSigmas(sigmas);
      }
      if (k.has("mu") && !k.get("mu").isJsonNull()) {
        options = options.withMu(k.get("mu").getAsDouble());
      }
    }
    return options;
  }

  private static Comparison sampleComparison(String stage, HostTensor expected, HostTensor actual) {
    return Comparison.of(stage, expected, actual, SAMPLE_RELATIVE * Math.max(1.0, Comparison.maxAbs(expected)));
  }

  /** Per-element relative error |a - e| / |e| (absolute where e = 0), against {@link #SIGMA_RELATIVE}. */
  private static Comparison relative(String stage, HostTensor expected, HostTensor actual) {
    if (actual == null) {
      return new Comparison(stage, Double.POSITIVE_INFINITY, -1, Double.NaN, Double.NaN, expected.size(),
          expected.size(), SIGMA_RELATIVE, "the scheduler has no " + stage);
    }
    if (expected.size() != actual.size()) {
      return Comparison.of(stage, expected, actual, SIGMA_RELATIVE); // reports the shapes
    }
    float[] e = expected.data();
    float[] a = actual.data();
    double max = 0;
    int worst = 0;
    long bad = 0;
    for (int i = 0; i < e.length; i++) {
      double d = Math.abs((double) a[i] - e[i]) / (e[i] == 0 ? 1.0 : Math.abs((double) e[i]));
      if (Double.isNaN(d)) {
        d = Double.POSITIVE_INFINITY;
      }
      if (d > max) {
        max = d;
        worst = i;
      }
      if (d > SIGMA_RELATIVE) {
        bad++;
      }
    }
    return new Comparison(stage + " (relative)", max, worst, e.length == 0 ? 0 : e[worst],
        a.length == 0 ? 0 : a[worst], bad, e.length, SIGMA_RELATIVE, null);
  }

  private static HostTensor host(double[] values) {
    float[] data = new float[values.length];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) values[i];
    }
    return HostTensor.of(data, values.length);
  }

  private static HostTensor toHost(NDArray array) {
    return new HostTensor(array.getShape().getShape(), array.toFloatArray());
  }

  private static HostTensor require(Map<String, HostTensor> tensors, String name, Path caseDir) {
    HostTensor t = tensors.get(name);
    if (t == null) {
      throw new ConfigException(caseDir.resolve("reference.safetensors") + ": tensor '" + name + "' is missing. "
          + "HINT: scheduler cases are made by diffusers (see fixtures/README.md); copy the case again.");
    }
    return t;
  }

  private static JsonObject readJson(Path file) {
    try {
      return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new ConfigException(file + ": not a JSON object: " + e.getMessage(), e);
    }
  }
}
