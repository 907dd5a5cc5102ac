package dev.vidgen.models.autoencoders;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.vidgen.api.ConfigException;
import dev.vidgen.api.HostTensor;
import dev.vidgen.check.Comparison;
import dev.vidgen.testing.Fixtures;
import dev.vidgen.testing.ManifestRequests;
import dev.vidgen.testing.Parity;
import dev.vidgen.weights.JsonConfig;
import dev.vidgen.weights.SafetensorsWeights;
import dev.vidgen.weights.WeightLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code vae.decode(z).sample} against diffusers ({@code vae.decode.input} → {@code vae.decoded}), the encoder on
 * shapes, and the real ModelScope (SD KL-f8) VAE's tensor list.
 */
class AutoencoderKLTest {
  /** The tolerance: max|Δ| ≤ 1e-4 × max(1, max|ref|). */
  private static final double REL_TOL = 1e-4;

  @ParameterizedTest
  @ValueSource(strings = {"modelscope-tiny", "modelscope-tiny-dpm"})
  void decodeMatchesDiffusers(String caseName) {
    Path dir = Fixtures.caseDir(caseName);
    Map<String, HostTensor> ref = Fixtures.reference(dir);
    HostTensor input = ref.get("vae.decode.input"); // latents.final / scaling_factor, frames first [F, C, h, w]
    HostTensor expected = ref.get("vae.decoded");
    try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
      AutoencoderKL vae = AutoencoderKL.load(dir.resolve("model/vae"), m, DataType.FLOAT32);
      assertEquals(8, vae.spatialScaleFactor());
      HostTensor whole;
      HostTensor chunked;
      try (NDManager call = m.newSubManager()) {
        NDArray z = call.create(input.data(), new Shape(input.shape()));
        NDArray out = vae.decode(z);
        whole = new HostTensor(out.getShape().getShape(), out.toFloatArray());
        NDArray outChunked = vae.decode(z, 3); // 8 frames as 3 + 3 + 2
        chunked = new HostTensor(outChunked.getShape().getShape(), outChunked.toFloatArray());
      }
      double tol = REL_TOL * Math.max(1, Comparison.maxAbs(expected));
      System.out.println(caseName + " " + Comparison.of("vae.decoded", expected, whole, tol).line());
      System.out.println(caseName + " " + Comparison.of("vae.decoded (chunks of 3)", expected, chunked, tol).line());
      Parity.assertCloseRel(caseName + " vae.decoded", expected, whole, REL_TOL);
      Parity.assertCloseRel(caseName + " vae.decoded (chunks of 3)", expected, chunked, REL_TOL);
    }
  }

  @Test
  void perturbedConfigFailsParity() {
    // deliberately wrong: the same weights with the mid-block attention skipped cannot reproduce the reference
    Path dir = Fixtures.caseDir("modelscope-tiny");
    Map<String, HostTensor> ref = Fixtures.reference(dir);
    HostTensor input = ref.get("vae.decode.input");
    JsonConfig c = JsonConfig.read(dir.resolve("model/vae/config.json"))
        .with("mid_block_add_attention", new JsonPrimitive(false));
    try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu());
        SafetensorsWeights src = SafetensorsWeights.openComponent(dir.resolve("model/vae"), null,
            "diffusion_pytorch_model")) {
      AutoencoderKL wrong = new AutoencoderKL(AutoencoderKLConfig.parse(c), new WeightLoader(src, m,
          DataType.FLOAT32).root());
      NDArray out = wrong.decode(m.create(input.data(), new Shape(input.shape())));
      HostTensor got = new HostTensor(out.getShape().getShape(), out.toFloatArray());
      HostTensor expected = ref.get("vae.decoded");
      Comparison cmp = Comparison.of("perturbed", expected, got, REL_TOL * Math.max(1, Comparison.maxAbs(expected)));
      assertFalse(cmp.passed(), "skipping the mid-block attention must change the output: " + cmp.line());
    }
  }

  @Test
  void encoderShapesAndMomentsAgree() {
    Path dir = Fixtures.caseDir("modelscope-tiny");
    try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
      AutoencoderKL vae = AutoencoderKL.load(dir.resolve("model/vae"), m, DataType.FLOAT32);
      try (NDScope outer = new NDScope()) {
        NDArray x = m.randomUniform(-1f, 1f, new Shape(2, 3, 64, 48));
        NDArray moments = vae.encodeMoments(x);
        assertArrayEquals(new long[] {2, 8, 8, 6}, moments.getShape().getShape());
        NDArray mean = vae.encodeMean(x);
        assertArrayEquals(new long[] {2, 4, 8, 6}, mean.getShape().getShape());
        assertArrayEquals(moments.get(":, 0:4").toFloatArray(), mean.toFloatArray(), 0f, "mean = moments[:, :4]");
        NDArray logvar = moments.get(":, 4:8");
        assertTrue(logvar.max().getFloat() <= 20f && logvar.min().getFloat() >= -30f, "logvar clamped");
        // odd sizes: each stride-2 conv after one right/bottom zero pad halves rounding down
        assertArrayEquals(new long[] {1, 4, 4, 4}, vae.encodeMean(m.zeros(new Shape(1, 3, 37, 35))).getShape()
            .getShape());
        // decode(encode(x)) has the image shape
        assertArrayEquals(new long[] {2, 3, 64, 48}, vae.decode(mean).getShape().getShape());
      }
    }
  }

  @Test
  void badInputsAreNamed() {
    Path dir = Fixtures.caseDir("modelscope-tiny");
    try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
      AutoencoderKL vae = AutoencoderKL.load(dir.resolve("model/vae"), m, DataType.FLOAT32);
      var e = assertThrows(IllegalArgumentException.class, () -> vae.decode(m.zeros(new Shape(1, 3, 8, 8))));
      assertTrue(e.getMessage().contains("latent_channels"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> vae.decode(m.zeros(new Shape(1, 4, 8, 8)), 0));
      assertTrue(e.getMessage().contains("chunkSize"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> vae.encodeMean(m.zeros(new Shape(1, 4, 8, 8))));
      assertTrue(e.getMessage().contains("in_channels"), e.getMessage());
    }
  }

  @Test
  void noArraysLeakPerCall() {
    Path dir = Fixtures.caseDir("modelscope-tiny");
    try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
      AutoencoderKL vae = AutoencoderKL.load(dir.resolve("model/vae"), m, DataType.FLOAT32);
      try (NDManager call = m.newSubManager()) {
        NDArray z = call.randomNormal(new Shape(3, 4, 8, 8));
        NDArray x = call.zeros(new Shape(1, 3, 16, 16));
        int before = m.getManagedArrays().size(); // counts the sub-manager's arrays too
        for (int i = 0; i < 3; i++) {
          vae.decode(z, 2).close();
          vae.decode(z).close();
          vae.encodeMoments(x).close();
          vae.encodeMean(x).close();
        }
        assertEquals(before, m.getManagedArrays().size(), "arrays made during the calls outlive them");
      }
    }
  }

  @Test
  void requestsExactlyTheRealVaeTensors() {
    String name = "modelscope-vae";
    AutoencoderKLConfig cfg = AutoencoderKLConfig.read(ManifestRequests.dir(name).resolve("config.json"));
    assertEquals(8, cfg.spatialScaleFactor());
    assertEquals(0.18215, cfg.scalingFactor());
    assertNull(cfg.shiftFactor());
    assertTrue(cfg.useQuantConv() && cfg.usePostQuantConv() && cfg.midBlockAddAttention() && cfg.forceUpcast());
    ManifestRequests.assertRequestsEqualManifest(name, "AutoencoderKL", List.of(), w -> new AutoencoderKL(cfg, w));
    List<JsonObject> alternates = ManifestRequests.alternateConfigs(name);
    assertFalse(alternates.isEmpty());
    for (JsonObject alt : alternates) {
      AutoencoderKLConfig altCfg = AutoencoderKLConfig.parse(new JsonConfig("alternate vae/config.json", alt));
      ManifestRequests.assertRequestsEqualManifest(name, "AutoencoderKL", List.of(), w -> new AutoencoderKL(altCfg,
          w));
    }
  }

  @Test
  void configDefaultsAndErrors() {
    AutoencoderKLConfig d = AutoencoderKLConfig.parse(JsonConfig.parse("vae/config.json", "{}"));
    assertArrayEquals(new int[] {64}, d.blockOutChannels());
    assertEquals(1, d.layersPerBlock());
    assertEquals(32, d.normNumGroups());
    assertEquals(1, d.spatialScaleFactor());
    var e = assertThrows(ConfigException.class, () -> AutoencoderKLConfig.parse(JsonConfig.parse("vae/config.json",
        "{\"block_out_channels\": [64, 128], \"down_block_types\": [\"DownEncoderBlock2D\"]}")));
    assertTrue(e.getMessage().contains("vae/config.json: down_block_types has 1 entries"), e.getMessage());
    e = assertThrows(ConfigException.class, () -> AutoencoderKLConfig.parse(JsonConfig.parse("vae/config.json",
        "{\"block_out_channels\": [48], \"norm_num_groups\": 32}")));
    assertTrue(e.getMessage().contains("norm_num_groups"), e.getMessage());
    e = assertThrows(ConfigException.class, () -> AutoencoderKLConfig.parse(JsonConfig.parse("vae/config.json",
        "{\"down_block_types\": [\"AttnDownEncoderBlock2D\"]}")));
    assertTrue(e.getMessage().contains("AttnDownEncoderBlock2D"), e.getMessage());
  }
}
