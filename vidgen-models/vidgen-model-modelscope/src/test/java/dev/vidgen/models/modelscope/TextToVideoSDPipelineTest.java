package dev.vidgen.models.modelscope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.vidgen.api.CancellationToken;
import dev.vidgen.api.GenerationCancelledException;
import dev.vidgen.api.GenerationRequest;
import dev.vidgen.api.Video;
import dev.vidgen.api.VideoPipeline;
import dev.vidgen.check.Comparison;
import dev.vidgen.check.PipelineCaseRunner;
import dev.vidgen.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * End-to-end parity of {@link TextToVideoSDPipeline} with diffusers' {@code TextToVideoSDPipeline}, through the public
 * API, on every {@code fixtures/modelscope-*} case: every recorded stage within the tolerance (ids exact,
 * stages 1e-4 × max(1, max|ref|), frames 1e-4; see {@link PipelineCaseRunner}).
 */
class TextToVideoSDPipelineTest {
  static Stream<Path> cases() throws IOException {
    return Files.list(Fixtures.root()).filter(p -> p.getFileName().toString().startsWith("modelscope-")).sorted();
  }

  private static void assertAllPass(Path dir, List<Comparison> results) {
    StringBuilder failures = new StringBuilder();
    for (Comparison c : results) {
      if (!c.passed()) {
        failures.append("\n  ").append(c.describe());
      }
    }
    if (failures.length() > 0) {
      fail(dir.getFileName() + ": stages differ from diffusers:" + failures);
    }
    assertTrue(results.stream().anyMatch(c -> c.stage().equals("video.frames")), "frames were compared");
    assertTrue(results.stream().anyMatch(c -> c.stage().startsWith("unet.step")), "unet calls were compared");
  }

  /**
   * Without a decodeChunkSize the VAE decodes at most two 256x256 frames' pixels at once (the fixtures' 64x64 clips
   * still decode in one call, as diffusers does); AutoencoderKLTest proves chunked decoding gives the same frames.
   */
  @Test
  void defaultDecodeChunkBoundsThePixelsDecodedAtOnce() {
    assertEquals(2, TextToVideoSDPipeline.defaultDecodeChunk(16, 256, 256));
    assertEquals(1, TextToVideoSDPipeline.defaultDecodeChunk(24, 320, 576));
    assertEquals(1, TextToVideoSDPipeline.defaultDecodeChunk(24, 576, 1024));
    assertEquals(8, TextToVideoSDPipeline.defaultDecodeChunk(16, 128, 128));
    assertEquals(8, TextToVideoSDPipeline.defaultDecodeChunk(8, 64, 64));
    assertEquals(8, TextToVideoSDPipeline.defaultDecodeChunk(8, 32, 32));
  }

  @TestFactory
  Stream<DynamicTest> everyStageMatchesDiffusers() throws IOException {
    return cases().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(),
        () -> assertAllPass(dir, PipelineCaseRunner.run(dir, false, null))));
  }

  @TestFactory
  Stream<DynamicTest> seedForSeedEqualsDiffusers() throws IOException {
    return cases().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
      List<Comparison> r = PipelineCaseRunner.run(dir, true, null);
      assertAllPass(dir, r);
      Comparison noise = r.stream().filter(c -> c.stage().equals("latents.initial")).findFirst().orElseThrow();
      assertEquals(0.0, noise.maxAbsError(), "initial noise from the seed is bit-exact");
    }));
  }

  @Test
  void aWrongSchedulerIsCaughtAtTheFirstStepItChanges() {
    // Deliberately broken run: the DPM case's model sampled with DDIM must fail at scheduler/latent stages,
    // proving the comparison can fail and names the stage.
    Path dir = Fixtures.caseDir("modelscope-tiny-dpm");
    List<Comparison> r = PipelineCaseRunner.run(dir, false, VideoPipeline.builder().scheduler("ddim"));
    Comparison firstBad = r.stream().filter(c -> !c.passed()).findFirst().orElse(null);
    assertTrue(firstBad != null, "a run with the wrong scheduler must not pass");
    assertTrue(firstBad.describe().contains(firstBad.stage()) && firstBad.describe().contains("expected"),
        firstBad.describe());
  }

  @Test
  void sizeMustBeAMultipleOfTheVaeScaleFactor() {
    try (VideoPipeline p = VideoPipeline.load(Fixtures.caseDir("modelscope-tiny").resolve("model"))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> p.generate(GenerationRequest.builder().prompt("x").height(60).width(64).frames(2).steps(1).build()));
      assertTrue(e.getMessage().contains("height 60 is not divisible by 8 (vae_scale_factor)"), e.getMessage());
    }
  }

  @Test
  void longRunsLeaveNoNativeArraysBehindAndCancellationFreesMemory() {
    try (VideoPipeline p = VideoPipeline.load(Fixtures.caseDir("modelscope-tiny").resolve("model"))) {
      GenerationRequest r = GenerationRequest.builder().prompt("a panda").frames(4).height(32).width(32)
          .steps(50).seed(1).build();
      p.generate(r.toBuilder().steps(2).build()); // warm-up: lazily created engine state
      long before = p.liveNativeArrays();
      Video v = p.generate(r);
      assertEquals(before, p.liveNativeArrays(), "native arrays alive after a 50-step run");
      assertEquals(4, v.numFrames());
      CancellationToken token = new CancellationToken();
      int[] seen = {0};
      GenerationRequest cancelled = r.toBuilder().cancellation(token).onStep(e -> {
        seen[0] = e.step();
        if (e.step() == 3) {
          token.cancel();
        }
      }).build();
      assertThrows(GenerationCancelledException.class, () -> p.generate(cancelled));
      assertEquals(3, seen[0]);
      assertEquals(before, p.liveNativeArrays(), "native arrays alive after a cancelled run");
    }
  }

  @Test
  void sameSeedSameVideoAndSchedulerViewsShareWeights() {
    try (VideoPipeline p = VideoPipeline.load(Fixtures.caseDir("modelscope-tiny").resolve("model"))) {
      GenerationRequest r = GenerationRequest.builder().prompt("a cat").frames(2).height(32).width(32).steps(3)
          .seed(7).build();
      float[] a = p.generate(r).frames();
      float[] b = p.generate(r).frames();
      assertTrue(java.util.Arrays.equals(a, b), "same seed, same video");
      long weights = p.liveNativeArrays();
      try (VideoPipeline dpm = p.withScheduler("dpm++")) {
        assertEquals("DPMSolverMultistepScheduler", dpm.schedulerName());
        assertFalse(java.util.Arrays.equals(a, dpm.generate(r).frames()), "another scheduler, another video");
      }
      assertEquals(weights, p.liveNativeArrays(), "closing a view frees nothing of the original");
      p.generate(r); // the original still works after its view closed
    }
  }

  @Test
  void variantWeightFilesLoadWhenAskedFor(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
    // A folder whose weights exist only as *.fp16.safetensors (as published fp16 variants are named).
    Path src = Fixtures.caseDir("modelscope-tiny").resolve("model");
    try (Stream<Path> files = Files.walk(src)) {
      for (Path f : files.toList()) {
        Path rel = src.relativize(f);
        String name = f.getFileName().toString().replace(".safetensors", ".fp16.safetensors");
        Path out = tmp.resolve(rel).resolveSibling(name);
        if (Files.isDirectory(f)) {
          Files.createDirectories(tmp.resolve(rel));
        } else {
          Files.copy(f, out);
        }
      }
    }
    dev.vidgen.api.WeightsException e = assertThrows(dev.vidgen.api.WeightsException.class,
        () -> VideoPipeline.load(tmp).close());
    assertTrue(e.getMessage().contains("no weights found"), e.getMessage());
    GenerationRequest r = GenerationRequest.builder().prompt("a cat").frames(2).height(32).width(32).steps(2)
        .seed(5).build();
    try (VideoPipeline fp16 = VideoPipeline.builder().folder(tmp).variant("fp16").build();
        VideoPipeline plain = VideoPipeline.load(src)) {
      assertTrue(java.util.Arrays.equals(plain.generate(r).frames(), fp16.generate(r).frames()));
    }
  }
}
