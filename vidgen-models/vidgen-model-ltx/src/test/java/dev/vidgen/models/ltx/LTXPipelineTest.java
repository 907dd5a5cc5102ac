package dev.vidgen.models.ltx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.vidgen.api.GenerationRequest;
import dev.vidgen.api.HostTensor;
import dev.vidgen.api.Video;
import dev.vidgen.api.VideoPipeline;
import dev.vidgen.check.Comparison;
import dev.vidgen.check.PipelineCaseRunner;
import dev.vidgen.testing.Fixtures;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * End-to-end parity of {@link LTXPipeline} with diffusers' {@code LTXPipeline} on {@code fixtures/ltx-tiny},
 * through the public API: every recorded stage (ids exactly; text, transformer, scheduler, VAE stages within
 * 1e-4 × max(1, max|ref|); frames within 1e-4 absolute, see {@link PipelineCaseRunner}).
 */
class LTXPipelineTest {
  private static final Path CASE = Fixtures.caseDir("ltx-tiny");

  private static void assertAllPass(List<Comparison> results) {
    StringBuilder failures = new StringBuilder();
    for (Comparison c : results) {
      System.out.printf("[parity] %-45s max|d|=%.3e  tol=%.1e%n", c.stage(), c.maxAbsError(), c.tolerance());
      if (!c.passed()) {
        failures.append("\n  ").append(c.describe());
      }
    }
    if (failures.length() > 0) {
      fail("ltx-tiny: stages differ from diffusers:" + failures);
    }
    for (String stage : List.of("prompt.input_ids", "negative.input_ids", "text.prompt_embeds",
        "transformer.step2.output", "scheduler.sigmas", "latents.after_step2", "vae.decode.input", "vae.decoded",
        "video.frames")) {
      assertTrue(results.stream().anyMatch(c -> c.stage().equals(stage)), stage + " was compared");
    }
  }

  @Test
  void everyStageMatchesDiffusers() {
    assertAllPass(PipelineCaseRunner.run(CASE, false, null));
  }

  @Test
  void seedForSeedEqualsDiffusers() {
    List<Comparison> r = PipelineCaseRunner.run(CASE, true, null);
    assertAllPass(r);
    Comparison noise = r.stream().filter(c -> c.stage().equals("latents.initial_unpacked")).findFirst()
        .orElseThrow();
    assertEquals(0.0, noise.maxAbsError(), "initial noise from the seed is bit-exact");
  }

  @Test
  void aWrongSequenceLengthIsCaughtAtTheTokenIds() {
    // Deliberately broken run: padding to 64 tokens instead of the case's 32 must fail at the ids.
    Map<String, HostTensor> expected = Fixtures.reference(CASE);
    Map<String, HostTensor> actual = new LinkedHashMap<>();
    try (VideoPipeline p = VideoPipeline.load(CASE.resolve("model"))) {
      p.generate(GenerationRequest.builder().prompt("A woman is walking in the rain with a red umbrella")
          .negativePrompt("worst quality, blurry").size(64, 64).frames(9).steps(1).seed(1).maxSequenceLength(64)
          .recorder(actual::put).build());
    }
    Comparison ids = Comparison.of("prompt.input_ids", expected.get("prompt.input_ids"),
        actual.get("prompt.input_ids"), 0);
    assertTrue(!ids.passed(), "a 64-token encoding cannot equal the 32-token reference");
  }

  @Test
  void sizesMustBeMultiplesOf32() {
    try (VideoPipeline p = VideoPipeline.load(CASE.resolve("model"))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> p.generate(GenerationRequest.builder().prompt("x").size(48, 64).frames(9).steps(1).build()));
      assertTrue(e.getMessage().contains("divisible by 32"), e.getMessage());
    }
  }

  @Test
  void runsLeaveNoNativeArraysBehindAndGiveTheRequestedFrames() {
    try (VideoPipeline p = VideoPipeline.load(CASE.resolve("model"))) {
      GenerationRequest r = GenerationRequest.builder().prompt("a red umbrella").size(64, 32).frames(9).steps(4)
          .seed(3).maxSequenceLength(16).build();
      p.generate(r.toBuilder().steps(1).build()); // warm-up: lazily created engine state
      long before = p.liveNativeArrays();
      Video v = p.generate(r);
      assertEquals(before, p.liveNativeArrays(), "native arrays alive after a run");
      assertEquals(9, v.numFrames());
      assertEquals(64, v.width());
      assertEquals(32, v.height());
      float[] again = p.generate(r).frames();
      assertTrue(java.util.Arrays.equals(v.frames(), again), "same seed, same video");
    }
  }
}
