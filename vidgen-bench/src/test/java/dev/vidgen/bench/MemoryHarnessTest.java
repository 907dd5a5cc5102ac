package dev.vidgen.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vidgen.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The short version of {@link MemoryHarness} that CI runs: 300 denoising steps in one generation, then 5
 * generations, on the tiny fixture model. Fails when the pipeline's live native arrays change at any checkpoint
 * (exact: a leak of one array per step or per generation is caught). RSS is noisy (allocator caching, JIT, the
 * first use of kernels), so it only has a generous bound that a leak of the latents or activations of every step
 * would still exceed; no timing is asserted.
 */
class MemoryHarnessTest {
  @Test
  void liveArraysStayFlatOverStepsAndGenerations() {
    // One intra-op thread: the check is about memory, and on a shared CI machine libtorch's default (one thread per
    // core) makes small tensors' ops wait for descheduled OpenMP workers, which slows this test a hundredfold.
    dev.vidgen.pipeline.EngineSetup.setThreads(1);
    MemoryHarness h = new MemoryHarness();
    String model = Fixtures.caseDir("modelscope-tiny").resolve("model").toString();
    MemoryHarness.Report r = h.run(model, BenchModels.Setting.SMALL, 300, 5, 10, "none", BenchModels.Setting.SMALL);
    List<MemoryHarness.Checkpoint> all = new ArrayList<>(r.longRun());
    all.addAll(r.generations());
    assertEquals(1 + 300 / 100 + 1 + 5, all.size(), "checkpoints: before, every 100 steps, after, per generation");
    assertEquals(3, all.stream().filter(MemoryHarness.Checkpoint::during).count());
    long first = all.get(0).liveArrays();
    for (MemoryHarness.Checkpoint c : all) {
      if (!c.during()) {
        assertEquals(first, c.liveArrays(), "live native arrays at '" + c.label() + "' (first checkpoint: " + first
            + ")");
      }
    }
    assertTrue(r.arraysFlat());
    long growth = all.get(all.size() - 1).rssBytes() - all.get(0).rssBytes();
    assertTrue(growth < 512L << 20, "RSS grew by " + growth / 1048576 + " MB over 300 steps and 5 generations");
  }

  @Test
  void harnessSeesALeak() {
    // the check itself must be able to fail: a checkpoint list with one extra array is not flat
    MemoryHarness.Report leaking = new MemoryHarness.Report(
        List.of(new MemoryHarness.Checkpoint("a", false, 10, 0, 0), new MemoryHarness.Checkpoint("b", false, 11, 0, 0)),
        List.of(), null);
    assertTrue(!leaking.arraysFlat());
  }
}
