package dev.vidgen.models.ltx;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.vidgen.api.HostTensor;
import dev.vidgen.check.Comparison;
import dev.vidgen.testing.Fixtures;
import dev.vidgen.testing.HostTensors;
import dev.vidgen.testing.Manifests;
import dev.vidgen.testing.Measured;
import dev.vidgen.weights.JsonConfig;
import dev.vidgen.weights.ManifestWeights;
import dev.vidgen.weights.WeightLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every transformer call of the ltx-tiny reference run (3 steps, CFG batch of 2, caption mask with padding),
 * replayed from the recorded inputs; and the published LTX-Video transformer architecture against its manifest.
 * Tolerance: the 1e-4 × max(1, max|ref|); the reference's own float32 error is below 1e-6.
 */
class LTXVideoTransformer3DModelTest {
  private static final Path CASE = Fixtures.caseDir("ltx-tiny");
  private static final double REL_TOL = 1e-4;

  private static double[] ropeScale() {
    JsonArray a = Fixtures.referenceJson(CASE).getAsJsonObject("call").getAsJsonArray("rope_interpolation_scale");
    return new double[] {a.get(0).getAsDouble(), a.get(1).getAsDouble(), a.get(2).getAsDouble()};
  }

  private static int[] latentFhw() {
    JsonArray a = Fixtures.referenceJson(CASE).getAsJsonObject("call").getAsJsonArray("latent_frames_h_w");
    return new int[] {a.get(0).getAsInt(), a.get(1).getAsInt(), a.get(2).getAsInt()};
  }

  private static HostTensor run(LTXVideoTransformer3DModel model, NDManager m, Map<String, HostTensor> ref, int step,
      boolean withMask) {
    int[] fhw = latentFhw();
    try (NDManager call = m.newSubManager()) {
      NDArray mask = withMask ? HostTensors.toNd(call, ref.get("transformer.step0.encoder_attention_mask")) : null;
      var in = new LTXVideoTransformer3DModel.Input(
          HostTensors.toNd(call, ref.get("transformer.step" + step + ".hidden_states")),
          HostTensors.toNd(call, ref.get("transformer.step0.encoder_hidden_states")),
          HostTensors.toNd(call, ref.get("transformer.step" + step + ".timestep")), mask, fhw[0], fhw[1], fhw[2],
          ropeScale());
      return HostTensors.of(model.forward(in));
    }
  }

  @Test
  void everyTransformerCallMatchesDiffusers() {
    Map<String, HostTensor> ref = Fixtures.reference(CASE);
    try (NDManager m = NDManager.newBaseManager()) {
      var model = LTXVideoTransformer3DModel.load(CASE.resolve("model/transformer"), m, DataType.FLOAT32);
      for (int step = 0; step < 3; step++) {
        String key = "transformer.step" + step + ".output";
        Measured.assertCloseRel(key, ref.get(key), run(model, m, ref, step, true), REL_TOL);
      }
    }
  }

  @Test
  void droppingTheCaptionMaskIsDetected() {
    // The negative prompt is shorter than the prompt, so its padding is masked: without the mask the output
    // must differ from the reference by far more than the tolerance (the test above can fail).
    Map<String, HostTensor> ref = Fixtures.reference(CASE);
    try (NDManager m = NDManager.newBaseManager()) {
      var model = LTXVideoTransformer3DModel.load(CASE.resolve("model/transformer"), m, DataType.FLOAT32);
      HostTensor out = run(model, m, ref, 0, false);
      double err = Comparison.of("unmasked", ref.get("transformer.step0.output"), out, 0).maxAbsError();
      assertTrue(err > 1e-3, "the caption mask made no difference: " + err);
    }
  }

  @Test
  void publishedLtxVideoTransformerRequestsExactlyItsManifest() {
    JsonConfig cfg = Manifests.config("ltx-video-transformer");
    try (NDManager m = NDManager.newBaseManager(); ManifestWeights src = Manifests.weights("ltx-video-transformer")) {
      WeightLoader loader = new WeightLoader(src, m, DataType.FLOAT32);
      new LTXVideoTransformer3DModel(LTXVideoTransformer3DConfig.parse(cfg), loader.root());
      loader.finish("LTXVideoTransformer3DModel", List.of());
      Manifests.assertRequestedEqualsManifest("ltx-video-transformer", loader);
    }
  }

  @Test
  void configWithAnotherQkNormIsRejectedNamingTheField() {
    JsonObject json = Manifests.config("ltx-video-transformer").json().deepCopy();
    json.addProperty("qk_norm", "rms_norm");
    var e = assertThrows(dev.vidgen.api.ConfigException.class,
        () -> LTXVideoTransformer3DConfig.parse(new JsonConfig("transformer/config.json", json)));
    assertTrue(e.getMessage().contains("transformer/config.json: qk_norm"), e.getMessage());
  }
}
