package dev.vidgen.schedulers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vidgen.weights.JsonConfig;
import org.junit.jupiter.api.Test;

/**
 * Timesteps for configurations beyond the fixtures, against values worked out from the formulas of diffusers
 * v0.32.2 {@code set_timesteps} (quoted next to each case). numpy rounds half to even, which several cases
 * exercise on purpose.
 */
class SchedulerTimestepsTest {

  static JsonConfig config(String json) {
    return JsonConfig.parse("test/scheduler_config.json", json);
  }

  static double[] asDouble(long[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = values[i];
    }
    return out;
  }

  // scheduling_ddim.py, timestep_spacing == "leading":
  //   step_ratio = 1000 // 50 = 20; (np.arange(0, 50) * 20).round()[::-1] + steps_offset(1) = 981, 961, ..., 21, 1
  @Test
  void ddimLeading50() {
    DDIMScheduler s = new DDIMScheduler(config("{\"timestep_spacing\": \"leading\", \"steps_offset\": 1}"));
    long[] expected = new long[50];
    for (int i = 0; i < 50; i++) {
      expected[i] = 981 - 20L * i;
    }
    assertArrayEquals(expected, s.timesteps(50));
  }

  // "linspace": np.linspace(0, 999, 50).round()[::-1]; i * 999/49 = i * 20.387755..., e.g. 48 * 20.39 = 978.6 -> 979,
  // 47 * 20.39 = 958.2 -> 958, 1 * 20.39 -> 20
  @Test
  void ddimLinspace50() {
    DDIMScheduler s = new DDIMScheduler(config("{\"timestep_spacing\": \"linspace\", \"steps_offset\": 1}"));
    long[] expected = {999, 979, 958, 938, 917, 897, 877, 856, 836, 816, 795, 775, 754, 734, 714, 693, 673, 652, 632,
        612, 591, 571, 550, 530, 510, 489, 469, 449, 428, 408, 387, 367, 347, 326, 306, 285, 265, 245, 224, 204, 183,
        163, 143, 122, 102, 82, 61, 41, 20, 0};
    assertArrayEquals(expected, s.timesteps(50));
  }

  // "trailing": step_ratio = 1000 / 50 = 20.0; np.round(np.arange(1000, 0, -20.0)) - 1 = 999, 979, ..., 39, 19
  @Test
  void ddimTrailing50() {
    DDIMScheduler s = new DDIMScheduler(config("{\"timestep_spacing\": \"trailing\"}"));
    long[] expected = new long[50];
    for (int i = 0; i < 50; i++) {
      expected[i] = 999 - 20L * i;
    }
    assertArrayEquals(expected, s.timesteps(50));
  }

  // 7 steps. linspace: 999/6 = 166.5, so 166.5 -> 166, 499.5 -> 500, 832.5 -> 832 (half to even).
  // trailing: 1000/7 = 142.857; arange gives 1000, 857.14, 714.29, 571.43, 428.57, 285.71, 142.86 -> round, minus 1.
  // leading: 1000 // 7 = 142; 6 * 142 = 852 ... 0, plus steps_offset 0.
  @Test
  void ddimSevenStepsRoundHalfToEven() {
    assertArrayEquals(new long[] {999, 832, 666, 500, 333, 166, 0},
        new DDIMScheduler(config("{\"timestep_spacing\": \"linspace\"}")).timesteps(7));
    assertArrayEquals(new long[] {999, 856, 713, 570, 428, 285, 142},
        new DDIMScheduler(config("{\"timestep_spacing\": \"trailing\"}")).timesteps(7));
    assertArrayEquals(new long[] {852, 710, 568, 426, 284, 142, 0},
        new DDIMScheduler(config("{}")).timesteps(7));
  }

  // CogVideoX uses DDIM's set_timesteps: trailing, 3 steps: 1000/3 = 333.33; 1000, 666.67, 333.33 -> 999, 666, 332
  @Test
  void cogVideoXTrailing3() {
    assertArrayEquals(new long[] {999, 666, 332},
        new CogVideoXDDIMScheduler(config("{\"timestep_spacing\": \"trailing\"}")).timesteps(3));
  }

  // scheduling_dpmsolver_multistep.py, 25 steps, last_timestep = 1000 (lambda_min_clipped = -inf):
  // linspace: np.linspace(0, 999, 26).round()[::-1][:-1]: i * 39.96 -> 999, 959.04 -> 959, ..., 519.48 -> 519,
  //   479.52 -> 480, ..., 39.96 -> 40
  // leading: step_ratio = 1000 // 26 = 38; (np.arange(0, 26) * 38)[::-1][:-1] + 1 = 951, 913, ..., 39
  // trailing: step_ratio = 1000 / 25 = 40.0; np.arange(1000, 0, -40).round() - 1 = 999, 959, ..., 39
  @Test
  void dpmSolverSpacings25() {
    long[] linspace = {999, 959, 919, 879, 839, 799, 759, 719, 679, 639, 599, 559, 519, 480, 440, 400, 360, 320, 280,
        240, 200, 160, 120, 80, 40};
    long[] leading = new long[25];
    long[] trailing = new long[25];
    for (int i = 0; i < 25; i++) {
      leading[i] = 951 - 38L * i;
      trailing[i] = 999 - 40L * i;
    }
    assertArrayEquals(linspace, dpm("{\"timestep_spacing\": \"linspace\"}").plan(25).timesteps());
    assertArrayEquals(leading, dpm("{\"timestep_spacing\": \"leading\", \"steps_offset\": 1}").plan(25).timesteps());
    assertArrayEquals(trailing, dpm("{\"timestep_spacing\": \"trailing\"}").plan(25).timesteps());
  }

  static DPMSolverMultistepScheduler dpm(String json) {
    return new DPMSolverMultistepScheduler(config(json));
  }

  // Glide's cosine schedule with lambda_min_clipped = -5.1 (as in the IF/UnCLIP configs). lambda = log(alpha_t) -
  // log(sigma_t) of the float32 alphas_cumprod falls below -5.1 only for the last 4 training timesteps
  // (lambda[995] = -5.078, lambda[996] = -5.365), so clipped_idx = searchsorted(flip(lambda), -5.1) = 4,
  // last_timestep = 996 and linspace gives np.linspace(0, 995, 11).round()[::-1][:-1].
  @Test
  void dpmSolverLambdaMinClippedShortensTheSchedule() {
    DPMSolverMultistepScheduler clipped = dpm("{\"beta_schedule\": \"squaredcos_cap_v2\", "
        + "\"lambda_min_clipped\": -5.1}");
    assertArrayEquals(new long[] {995, 896, 796, 696, 597, 498, 398, 298, 199, 100}, clipped.plan(10).timesteps());
    DPMSolverMultistepScheduler unclipped = dpm("{\"beta_schedule\": \"squaredcos_cap_v2\"}");
    assertArrayEquals(new long[] {999, 899, 799, 699, 599, 500, 400, 300, 200, 100},
        unclipped.plan(10).timesteps());
  }

  // scheduling_euler_discrete.py: np.linspace(0, 999, 7, dtype=np.float32)[::-1] keeps the halves: 832.5, 499.5,
  // 166.5; trailing: np.arange(1000, 0, -1000/7).round().astype(np.float32) - 1.
  @Test
  void eulerFloatTimesteps7() {
    EulerDiscreteScheduler linspace = new EulerDiscreteScheduler(config("{}"));
    try (SchedulerRun run = linspace.start(7, SchedulerOptions.DEFAULT)) {
      assertArrayEquals(new double[] {999, 832.5, 666, 499.5, 333, 166.5, 0}, run.timesteps());
      assertEquals(8, run.sigmas().length);
      assertEquals(0.0, run.sigmas()[7]);
    }
    EulerDiscreteScheduler trailing = new EulerDiscreteScheduler(config("{\"timestep_spacing\": \"trailing\"}"));
    try (SchedulerRun run = trailing.start(7, SchedulerOptions.DEFAULT)) {
      assertArrayEquals(new double[] {999, 856, 713, 570, 428, 285, 142}, run.timesteps());
    }
  }

  // leading spacing makes init_noise_sigma = (max_sigma**2 + 1) ** 0.5; linspace keeps max_sigma
  @Test
  void eulerInitNoiseSigmaDependsOnSpacing() {
    String betas = "\"beta_schedule\": \"scaled_linear\", \"beta_start\": 0.00085, \"beta_end\": 0.012";
    try (SchedulerRun lin = new EulerDiscreteScheduler(config("{" + betas + "}")).start(10, SchedulerOptions.DEFAULT);
        SchedulerRun lead = new EulerDiscreteScheduler(config("{" + betas + ", \"timestep_spacing\": \"leading\"}"))
            .start(10, SchedulerOptions.DEFAULT)) {
      // the max sigma of scaled_linear(0.00085, 0.012) is 14.614645 (the fixture value of schedulers/euler)
      assertEquals(14.614645004272461, lin.initNoiseSigma());
      double maxLeading = lead.sigmas()[0];
      assertEquals((float) Math.sqrt((float) (maxLeading * maxLeading) + 1f), lead.initNoiseSigma());
    }
  }

  // scheduling_flow_match_euler_discrete.py without caller sigmas: np.linspace(sigma_max * 1000, sigma_min * 1000, n)
  // / 1000 with sigma_max = 1, sigma_min = 1/1000; shift 3: sigma' = 3 s / (1 + 2 s).
  @Test
  void flowMatchStaticShift() {
    FlowMatchEulerDiscreteScheduler s = new FlowMatchEulerDiscreteScheduler(config("{\"shift\": 3.0}"));
    try (SchedulerRun run = s.start(4, SchedulerOptions.DEFAULT)) {
      // init: sigmas shifted once: sigma_max = 1, sigma_min = 3 * 0.001 / (1 + 2 * 0.001) (float32)
      float sigmaMin = 3f * 0.001f / (1f + 2f * 0.001f);
      double[] lin = NumpyMath.linspace(1000, (double) sigmaMin * 1000, 4);
      double[] sigmas = run.sigmas();
      for (int i = 0; i < 4; i++) {
        double t = lin[i] / 1000;
        assertEquals((float) (3.0 * t / (1 + 2.0 * t)), (float) sigmas[i], "sigma " + i);
        assertEquals((float) sigmas[i] * 1000f, (float) run.timesteps()[i], "timestep " + i);
      }
      assertEquals(0.0, sigmas[4]);
    }
  }

  // calculate_shift of the LTX pipeline, with the flowmatch-ltx case's numbers: mu = 24 * m + b,
  // m = (2.05 - 0.95) / (4096 - 1024), b = 0.95 - m * 1024 = 0.5919270833333332 (set_timesteps_kwargs.mu)
  @Test
  void calculateShiftMatchesTheLtxCase() {
    FlowMatchEulerDiscreteScheduler s = new FlowMatchEulerDiscreteScheduler(config("{\"use_dynamic_shifting\": true, "
        + "\"base_shift\": 0.95, \"max_shift\": 2.05, \"base_image_seq_len\": 1024, \"max_image_seq_len\": 4096}"));
    assertEquals(0.5919270833333332, s.schedulerConfig().calculateShift(24), 1e-16);
  }
}
