package dev.vidgen.models.ltx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.api.HostTensor;
import dev.vidgen.noise.TorchGenerator;
import dev.vidgen.testing.Fixtures;
import dev.vidgen.testing.HostTensors;
import dev.vidgen.testing.Manifests;
import dev.vidgen.testing.Measured;
import dev.vidgen.testing.Parity;
import dev.vidgen.weights.JsonConfig;
import dev.vidgen.weights.ManifestWeights;
import dev.vidgen.weights.WeightLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The LTX video VAE: decoder parity on ltx-tiny (non-causal decoder, two depth-to-space upsamplers, patch size 2)
 * within the 1e-4 × max(1, max|ref|); the published 0.9.0 and 0.9.1 VAE architectures against their
 * manifests (0.9.1: timestep conditioning, noise injection, residual upsamplers with upscale factor 2).
 */
class AutoencoderKLLTXVideoTest {
  private static final Path CASE = Fixtures.caseDir("ltx-tiny");
  private static final double REL_TOL = 1e-4;

  @Test
  void decoderOutputMatchesDiffusers() {
    Map<String, HostTensor> ref = Fixtures.reference(CASE);
    try (NDManager m = NDManager.newBaseManager()) {
      var vae = AutoencoderKLLTXVideo.load(CASE.resolve("model/vae"), m, DataType.FLOAT32);
      NDArray z = HostTensors.toNd(m, ref.get("vae.decode.input"));
      Measured.assertCloseRel("vae.decoded", ref.get("vae.decoded"), HostTensors.of(vae.decode(z, null, null)),
          REL_TOL);
    }
  }

  @Test
  void latentStatisticsBuffersAreLoaded() {
    Map<String, HostTensor> ref = Fixtures.reference(CASE);
    try (NDManager m = NDManager.newBaseManager()) {
      var vae = AutoencoderKLLTXVideo.load(CASE.resolve("model/vae"), m, DataType.FLOAT32);
      Parity.assertClose("vae.latents_mean", ref.get("vae.latents_mean"), HostTensors.of(vae.latentsMean()), 0);
      Parity.assertClose("vae.latents_std", ref.get("vae.latents_std"), HostTensors.of(vae.latentsStd()), 0);
    }
  }

  @Test
  void encoderGivesMomentsOfTheLatentGrid() {
    // No encoder output is recorded in the fixture; check the shape the pipeline relies on and the
    // shared log-variance channel (the last conv_out channel repeated latent_channels - 1 times).
    try (NDManager m = NDManager.newBaseManager()) {
      var vae = AutoencoderKLLTXVideo.load(CASE.resolve("model/vae"), m, DataType.FLOAT32);
      NDArray video = new TorchGenerator(7).randn(m, new Shape(1, 3, 9, 64, 64)).clip(-1f, 1f);
      NDArray moments = vae.encode(video);
      assertArrayEquals(new long[] {1, 16, 3, 8, 8}, moments.getShape().getShape());
      HostTensor logvar = HostTensors.of(moments.get(":, 8:"));
      HostTensor first = HostTensors.of(moments.get(":, 8:9").repeat(1, 8));
      Parity.assertClose("shared logvar", first, logvar, 0);
      assertArrayEquals(new long[] {1, 8, 3, 8, 8}, AutoencoderKLLTXVideo.mode(moments).getShape().getShape());
    }
  }

  @Test
  void publishedVaesRequestExactlyTheirManifests() {
    for (String name : List.of("ltx-video-vae", "ltx-video-0.9.1-vae")) {
      checkManifest(name, Manifests.config(name));
      for (JsonConfig alt : Manifests.alternates(name)) {
        checkManifest(name, alt);
      }
    }
  }

  private static void checkManifest(String name, JsonConfig cfg) {
    try (NDManager m = NDManager.newBaseManager(); ManifestWeights src = Manifests.weights(name)) {
      WeightLoader loader = new WeightLoader(src, m, DataType.FLOAT32);
      new AutoencoderKLLTXVideo(AutoencoderKLLTXVideoConfig.parse(cfg), loader.root());
      loader.finish("AutoencoderKLLTXVideo", List.of());
      Manifests.assertRequestedEqualsManifest(name, loader);
    }
  }

  @Test
  void timestepConditionedDecoderRefusesAMissingTimestep() {
    JsonConfig cfg = Manifests.config("ltx-video-0.9.1-vae");
    try (NDManager m = NDManager.newBaseManager(); ManifestWeights src = Manifests.weights("ltx-video-0.9.1-vae")) {
      var vae = new AutoencoderKLLTXVideo(AutoencoderKLLTXVideoConfig.parse(cfg),
          new WeightLoader(src, m, DataType.FLOAT32).root());
      NDArray z = m.zeros(new Shape(1, 128, 1, 1, 1));
      var e = assertThrows(IllegalArgumentException.class, () -> vae.decode(z, null, null));
      assertTrue(e.getMessage().contains("timestep"), e.getMessage());
    }
  }
}
