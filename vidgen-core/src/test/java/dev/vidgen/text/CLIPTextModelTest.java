package dev.vidgen.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonPrimitive;
import dev.vidgen.api.ConfigException;
import dev.vidgen.api.HostTensor;
import dev.vidgen.check.Comparison;
import dev.vidgen.testing.Fixtures;
import dev.vidgen.testing.ManifestRequests;
import dev.vidgen.testing.Parity;
import dev.vidgen.weights.JsonConfig;
import dev.vidgen.weights.ManifestWeights;
import dev.vidgen.weights.SafetensorsWeights;
import dev.vidgen.weights.TensorDType;
import dev.vidgen.weights.TensorInfo;
import dev.vidgen.weights.WeightLoader;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code text_encoder(input_ids)[0]} against transformers' ({@code text.prompt_embeds}, {@code text.negative_embeds})
 * and the real OpenCLIP ViT-H text tower's tensor list.
 */
class CLIPTextModelTest {
  /** The tolerance: max|Δ| ≤ 1e-4 × max(1, max|ref|). */
  private static final double REL_TOL = 1e-4;

  @ParameterizedTest
  @ValueSource(strings = {"modelscope-tiny", "modelscope-tiny-dpm"})
  void lastHiddenStateMatchesTransformers(String caseName) {
    Path dir = Fixtures.caseDir(caseName);
    Map<String, HostTensor> ref = Fixtures.reference(dir);
    try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
      CLIPTextModel model = CLIPTextModel.load(dir.resolve("model/text_encoder"), m, DataType.FLOAT32);
      for (String[] stage : new String[][] {{"prompt.input_ids", "text.prompt_embeds"},
          {"negative.input_ids", "text.negative_embeds"}}) {
        HostTensor embeds = run(model, m, ref.get(stage[0]));
        HostTensor expected = ref.get(stage[1]);
        System.out.println(caseName + " " + Comparison.of(stage[1], expected, embeds,
            REL_TOL * Math.max(1, Comparison.maxAbs(expected))).line());
        Parity.assertCloseRel(caseName + " " + stage[1], expected, embeds, REL_TOL);
      }
    }
  }

  @Test
  void batchedInputGivesTheSameRowsAndWrongActivationFails() {
    Path dir = Fixtures.caseDir("modelscope-tiny");
    Map<String, HostTensor> ref = Fixtures.reference(dir);
    HostTensor neg = ref.get("negative.input_ids");
    HostTensor pos = ref.get("prompt.input_ids");
    float[] both = new float[neg.data().length * 2];
    System.arraycopy(neg.data(), 0, both, 0, neg.data().length);
    System.arraycopy(pos.data(), 0, both, neg.data().length, pos.data().length);
    try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
      CLIPTextModel model = CLIPTextModel.load(dir.resolve("model/text_encoder"), m, DataType.FLOAT32);
      HostTensor out = run(model, m, new HostTensor(new long[] {2, 77}, both));
      assertEquals(2, out.dim(0));
      float[] row1 = java.util.Arrays.copyOfRange(out.data(), out.data().length / 2, out.data().length);
      Parity.assertCloseRel("batch row 1 = text.prompt_embeds", ref.get("text.prompt_embeds"),
          new HostTensor(new long[] {1, 77, 32}, row1), REL_TOL);

      // deliberately perturbed: the same weights with quick_gelu instead of the config's gelu must not pass
      JsonConfig c = JsonConfig.read(dir.resolve("model/text_encoder/config.json"))
          .with("hidden_act", new JsonPrimitive("quick_gelu"));
      try (SafetensorsWeights src = SafetensorsWeights.openComponent(dir.resolve("model/text_encoder"), null,
          "model")) {
        CLIPTextModel wrong = new CLIPTextModel(CLIPTextConfig.parse(c), new WeightLoader(src, m, DataType.FLOAT32)
            .root());
        HostTensor bad = run(wrong, m, pos);
        Comparison cmp = Comparison.of("perturbed", ref.get("text.prompt_embeds"), bad,
            REL_TOL * Math.max(1, Comparison.maxAbs(ref.get("text.prompt_embeds"))));
        assertFalse(cmp.passed(), "quick_gelu must change the output: " + cmp.line());
      }
    }
  }

  @Test
  void noArraysLeakPerCall() {
    Path dir = Fixtures.caseDir("modelscope-tiny");
    try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
      CLIPTextModel model = CLIPTextModel.load(dir.resolve("model/text_encoder"), m, DataType.FLOAT32);
      try (NDManager call = m.newSubManager()) {
        NDArray ids = call.create(new long[] {712, 320, 713, 0, 0, 713, 712, 5}, new Shape(2, 4));
        int before = m.getManagedArrays().size(); // counts the sub-manager's arrays too
        for (int i = 0; i < 3; i++) {
          model.forward(ids).close();
        }
        assertEquals(before, m.getManagedArrays().size(), "arrays made during forward outlive it");
      }
    }
  }

  @Test
  void requestsExactlyTheRealTextEncoderTensors() {
    String name = "modelscope-text-encoder";
    CLIPTextConfig cfg = CLIPTextConfig.read(ManifestRequests.dir(name).resolve("config.json"));
    assertEquals(23, cfg.numHiddenLayers());
    assertEquals(HiddenAct.GELU, cfg.hiddenAct());
    ManifestRequests.assertRequestsEqualManifest(name, "CLIPTextModel", CLIPTextModel.KEYS_TO_IGNORE_ON_LOAD,
        w -> new CLIPTextModel(cfg, w));
    for (var alt : ManifestRequests.alternateConfigs(name)) {
      CLIPTextConfig altCfg = CLIPTextConfig.parse(new JsonConfig("alternate config.json", alt));
      ManifestRequests.assertRequestsEqualManifest(name, "CLIPTextModel", CLIPTextModel.KEYS_TO_IGNORE_ON_LOAD,
          w -> new CLIPTextModel(altCfg, w));
    }
  }

  @Test
  void positionIdsOfOlderCheckpointsAreAcceptedAndOtherExtrasRejected() {
    String name = "modelscope-text-encoder";
    CLIPTextConfig cfg = CLIPTextConfig.read(ManifestRequests.dir(name).resolve("config.json"));
    ManifestWeights base = ManifestWeights.read(ManifestRequests.dir(name).resolve("manifest.json"));
    Map<String, TensorInfo> withExtra = new LinkedHashMap<>();
    for (String k : base.keys()) {
      withExtra.put(k, base.info(k));
    }
    for (String k : ManifestRequests.extraKeysInPublishedCheckpoint(name)) {
      withExtra.put(k, new TensorInfo(k, TensorDType.I64, new long[] {1, 77}, 0, 0));
    }
    assertTrue(withExtra.containsKey("text_model.embeddings.position_ids"));
    try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
      WeightLoader loader = new WeightLoader(new ManifestWeights("published", withExtra), m, DataType.FLOAT32);
      new CLIPTextModel(cfg, loader.root());
      loader.finish("CLIPTextModel", CLIPTextModel.KEYS_TO_IGNORE_ON_LOAD);

      withExtra.put("text_projection.weight", new TensorInfo("text_projection.weight", TensorDType.F32,
          new long[] {1024, 1024}, 0, 0));
      WeightLoader strict = new WeightLoader(new ManifestWeights("with projection", withExtra), m, DataType.FLOAT32);
      new CLIPTextModel(cfg, strict.root());
      var e = assertThrows(dev.vidgen.api.WeightsException.class,
          () -> strict.finish("CLIPTextModel", CLIPTextModel.KEYS_TO_IGNORE_ON_LOAD));
      assertTrue(e.getMessage().contains("text_projection.weight"), e.getMessage());
    }
  }

  @Test
  void configErrorsNameTheField() {
    JsonConfig c = JsonConfig.parse("text_encoder/config.json", "{\"hidden_size\": 30, \"num_attention_heads\": 4}");
    var e = assertThrows(ConfigException.class, () -> CLIPTextConfig.parse(c));
    assertTrue(e.getMessage().contains("text_encoder/config.json") && e.getMessage().contains("num_attention_heads"),
        e.getMessage());
    JsonConfig act = JsonConfig.parse("text_encoder/config.json", "{\"hidden_act\": \"mish\"}");
    e = assertThrows(ConfigException.class, () -> CLIPTextConfig.parse(act));
    assertTrue(e.getMessage().contains("hidden_act"), e.getMessage());
  }

  private static HostTensor run(CLIPTextModel model, NDManager m, HostTensor ids) {
    long[] idArray = new long[ids.data().length];
    for (int i = 0; i < idArray.length; i++) {
      idArray[i] = (long) ids.data()[i];
    }
    try (NDManager call = m.newSubManager()) {
      NDArray input = call.create(idArray, new Shape(ids.shape()));
      NDArray out = model.forward(input);
      assertEquals(call, out.getManager(), "result belongs to the caller's manager");
      return new HostTensor(out.getShape().getShape(), out.toFloatArray());
    }
  }
}
