package dev.vidgen.schedulers;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vidgen.api.ConfigException;
import dev.vidgen.weights.JsonConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad scheduler configs fail with a ConfigException naming the file and the field. */
class SchedulerConfigErrorsTest {
  static final String FILE = "scheduler/scheduler_config.json";

  static JsonConfig config(String json) {
    return JsonConfig.parse(FILE, json);
  }

  static void assertConfigError(Executable build, String field, String... mentions) {
    ConfigException e = assertThrows(ConfigException.class, build);
    String m = e.getMessage();
    assertTrue(m.contains(FILE), "message should name the file: " + m);
    assertTrue(m.contains(field), "message should name the field " + field + ": " + m);
    for (String s : mentions) {
      assertTrue(m.contains(s), "message should mention '" + s + "': " + m);
    }
  }

  @Test
  void unknownBetaSchedule() {
    assertConfigError(() -> new DDIMScheduler(config("{\"beta_schedule\": \"cosine\"}")), "beta_schedule",
        "cosine", "scaled_linear");
    assertConfigError(() -> Schedulers.fromConfig(config("{\"_class_name\": \"EulerDiscreteScheduler\", "
        + "\"beta_schedule\": \"quadratic\"}")), "beta_schedule", "quadratic");
  }

  @Test
  void solverOrder4() {
    assertConfigError(() -> new DPMSolverMultistepScheduler(config("{\"solver_order\": 4}")), "solver_order", "4");
  }

  @Test
  void unknownTimestepSpacing() {
    assertConfigError(() -> new DDIMScheduler(config("{\"timestep_spacing\": \"uniform\"}")), "timestep_spacing",
        "uniform", "leading", "trailing", "linspace");
    assertConfigError(() -> new DPMSolverMultistepScheduler(config("{\"timestep_spacing\": \"middle\"}")),
        "timestep_spacing", "middle");
  }

  @Test
  void predictionTypeTheClassDoesNotImplement() {
    assertConfigError(() -> new EulerAncestralDiscreteScheduler(config("{\"prediction_type\": \"sample\"}")),
        "prediction_type", "sample");
    assertConfigError(() -> new DDIMScheduler(config("{\"prediction_type\": \"x0\"}")), "prediction_type", "x0");
  }

  @Test
  void dpmSolverConstraints() {
    // diffusers: final_sigmas_type 'zero' is not supported for dpmsolver (noise prediction)
    assertConfigError(() -> new DPMSolverMultistepScheduler(config("{\"algorithm_type\": \"dpmsolver\"}")),
        "final_sigmas_type", "sigma_min");
    assertConfigError(() -> new DPMSolverMultistepScheduler(config("{\"algorithm_type\": \"unipc\"}")),
        "algorithm_type", "unipc");
    assertConfigError(() -> new DPMSolverMultistepScheduler(config("{\"use_karras_sigmas\": true, "
        + "\"use_exponential_sigmas\": true}")), "use_karras_sigmas");
  }

  @Test
  void wrongTypes() {
    assertConfigError(() -> new DDIMScheduler(config("{\"num_train_timesteps\": \"many\"}")), "num_train_timesteps");
    assertConfigError(() -> new EulerDiscreteScheduler(config("{\"use_karras_sigmas\": 1}")), "use_karras_sigmas");
    assertConfigError(() -> new DDIMScheduler(config("{\"trained_betas\": [0.1, 0.2]}")), "trained_betas",
        "num_train_timesteps");
  }

  @Test
  void missingOrUnknownClassName() {
    assertConfigError(() -> Schedulers.fromConfig(config("{}")), "_class_name");
    assertConfigError(() -> Schedulers.fromConfig(config("{\"_class_name\": \"PNDMScheduler\"}")), "_class_name",
        "PNDMScheduler", "DDIMScheduler");
  }
}
