package dev.vidgen.schedulers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.noise.TorchGenerator;
import dev.vidgen.weights.JsonConfig;
import org.junit.jupiter.api.Test;

/**
 * The memory contract of {@link SchedulerRun}, run the way a pipeline runs it (one NDScope per step, only the new
 * sample kept): the number of live arrays is the same after step 1 and after step N, and closing the run frees the
 * solver history.
 */
class SchedulerMemoryTest {
  static final Shape SHAPE = new Shape(1, 4, 2, 4, 4);

  @Test
  void dpmSolverHistoryIsBoundedAndFreed() {
    checkRunLengthInvariance("{\"_class_name\": \"DPMSolverMultistepScheduler\", \"solver_order\": 3, "
        + "\"algorithm_type\": \"sde-dpmsolver++\"}", 3);
    checkRunLengthInvariance("{\"_class_name\": \"DPMSolverMultistepScheduler\", \"solver_order\": 1, "
        + "\"prediction_type\": \"sample\"}", 1);
  }

  @Test
  void statelessSchedulersKeepNothing() {
    checkRunLengthInvariance("{\"_class_name\": \"DDIMScheduler\"}", 0);
    checkRunLengthInvariance("{\"_class_name\": \"EulerAncestralDiscreteScheduler\"}", 0);
    checkRunLengthInvariance("{\"_class_name\": \"EulerDiscreteScheduler\", \"use_karras_sigmas\": true}", 0);
    checkRunLengthInvariance("{\"_class_name\": \"FlowMatchEulerDiscreteScheduler\"}", 0);
    checkRunLengthInvariance("{\"_class_name\": \"CogVideoXDDIMScheduler\"}", 0);
  }

  static void checkRunLengthInvariance(String json, int history) {
    Scheduler scheduler = Schedulers.fromConfig(JsonConfig.parse("test/scheduler_config.json", json));
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      TorchGenerator g = new TorchGenerator(0);
      NDArray latents = g.randn(manager, SHAPE);
      SchedulerRun run = scheduler.start(12, SchedulerOptions.DEFAULT.withNoise(new TorchGenerator(1)));
      int afterFirst = -1;
      for (int i = 0; i < run.size(); i++) {
        NDArray next;
        try (NDScope step = new NDScope()) {
          step.suppressNotUsedWarning(); // the scope frees what the step makes
          NDArray input = run.scaleModelInput(latents, i);
          NDArray modelOutput = g.randn(manager, SHAPE).add(input.mul(0.1f)); // a stand-in denoiser
          next = run.step(modelOutput, i, latents);
          NDScope.unregister(next);
        }
        latents.close();
        latents = next;
        if (i == 0) {
          afterFirst = manager.getManagedArrays().size();
        }
      }
      int afterLast = manager.getManagedArrays().size();
      assertEquals(afterFirst + Math.min(history, 12) - Math.min(history, 1), afterLast,
          json + ": live arrays after step 1 vs after step 12 (history " + history + ")");
      run.close();
      assertEquals(1, manager.getManagedArrays().size(), json + ": after close only the latents remain");
    }
  }
}
