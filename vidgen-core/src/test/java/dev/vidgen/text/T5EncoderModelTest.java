package dev.vidgen.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.vidgen.api.HostTensor;
import dev.vidgen.testing.Fixtures;
import dev.vidgen.testing.HostTensors;
import dev.vidgen.testing.Manifests;
import dev.vidgen.testing.Measured;
import dev.vidgen.testing.Parity;
import dev.vidgen.weights.JsonConfig;
import dev.vidgen.weights.ManifestWeights;
import dev.vidgen.weights.WeightLoader;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * T5 encoder parity with transformers 4.44 on the ltx-tiny text encoder (gated-gelu, 2 layers, relative position
 * bias), and the real T5-v1.1-XXL architecture against its manifest. Tolerance: the 1e-4 relative to
 * max(1, max|ref|); the reference's own float32 rounding (float64 rerun) is below 1e-6.
 */
class T5EncoderModelTest {
  private static final Path CASE = Fixtures.caseDir("ltx-tiny");
  private static final double REL_TOL = 1e-4;

  @Test
  void embeddingsOfPromptAndNegativeMatchTransformers() {
    Map<String, HostTensor> ref = Fixtures.reference(CASE);
    try (NDManager m = NDManager.newBaseManager()) {
      T5EncoderModel enc = T5EncoderModel.load(CASE.resolve("model/text_encoder"), m, DataType.FLOAT32);
      for (String[] pair : new String[][] {{"prompt.input_ids", "text.prompt_embeds"},
          {"negative.input_ids", "text.negative_embeds"}}) {
        NDArray ids = HostTensors.toLongNd(m, ref.get(pair[0]));
        HostTensor out = HostTensors.of(enc.forward(ids, null));
        Measured.assertCloseRel(pair[1], ref.get(pair[1]), out, REL_TOL);
      }
    }
  }

  @Test
  void tokenizerPlusEncoderGiveTheReferenceEmbeddings() {
    Map<String, HostTensor> ref = Fixtures.reference(CASE);
    String prompt = Fixtures.referenceJson(CASE).getAsJsonObject("call").get("prompt").getAsString();
    T5Tokenizer tok = T5Tokenizer.load(CASE.resolve("model/tokenizer"));
    try (NDManager m = NDManager.newBaseManager()) {
      T5EncoderModel enc = T5EncoderModel.load(CASE.resolve("model/text_encoder"), m, DataType.FLOAT32);
      long[] ids = tok.encode(prompt, 32).inputIds();
      NDArray idArr = m.create(ids).reshape(1, ids.length);
      Measured.assertCloseRel("text.prompt_embeds", ref.get("text.prompt_embeds"),
          HostTensors.of(enc.forward(idArr, null)), REL_TOL);
    }
  }

  @Test
  void attentionMaskChangesOnlyWhatItShould() {
    Map<String, HostTensor> ref = Fixtures.reference(CASE);
    try (NDManager m = NDManager.newBaseManager()) {
      T5EncoderModel enc = T5EncoderModel.load(CASE.resolve("model/text_encoder"), m, DataType.FLOAT32);
      NDArray ids = HostTensors.toLongNd(m, ref.get("prompt.input_ids"));
      NDArray ones = m.ones(ids.getShape(), DataType.INT64);
      // An all-ones mask is the same as no mask (transformers builds exactly that when none is given).
      Parity.assertClose("mask of ones", HostTensors.of(enc.forward(ids, null)), HostTensors.of(enc.forward(ids, ones)),
          0.0);
      // Masking the padding changes the embeddings (so the mask is really applied).
      HostTensor mask = ref.get("transformer.step0.encoder_attention_mask");
      float[] row = java.util.Arrays.copyOfRange(mask.data(), 32, 64); // prompt's mask
      NDArray pm = m.create(row).reshape(1, 32).toType(DataType.INT64, false);
      HostTensor masked = HostTensors.of(enc.forward(ids, pm));
      double diff = dev.vidgen.check.Comparison.of("masked", ref.get("text.prompt_embeds"), masked, 0).maxAbsError();
      org.junit.jupiter.api.Assertions.assertTrue(diff > 1e-3, "mask had no effect: " + diff);
    }
  }

  @Test
  void relativePositionBucketsFollowTransformers() {
    // Values of T5Attention._relative_position_bucket(bidirectional=True, num_buckets=32, max_distance=128).
    int[] rel = {-200, -128, -64, -20, -8, -7, -1, 0, 1, 7, 8, 12, 20, 64, 127, 200};
    int[] expected = {15, 15, 14, 10, 8, 7, 1, 0, 17, 23, 24, 25, 26, 30, 31, 31};
    for (int i = 0; i < rel.length; i++) {
      assertEquals(expected[i], T5EncoderModel.relativePositionBucket(rel[i], true, 32, 128), "bucket of " + rel[i]);
    }
  }

  @Test
  void t5V11XxlEncoderRequestsExactlyItsManifest() {
    for (JsonConfig cfg : java.util.List.of(Manifests.config("t5-v1_1-xxl-encoder"))) {
      checkManifest(cfg);
    }
    for (JsonConfig alt : Manifests.alternates("t5-v1_1-xxl-encoder")) {
      checkManifest(alt);
    }
  }

  private static void checkManifest(JsonConfig cfg) {
    try (NDManager m = NDManager.newBaseManager(); ManifestWeights src = Manifests.weights("t5-v1_1-xxl-encoder")) {
      WeightLoader loader = new WeightLoader(src, m, DataType.FLOAT32);
      new T5EncoderModel(T5Config.parse(cfg), loader.root());
      loader.finish("T5EncoderModel", T5EncoderModel.IGNORED_KEYS);
      Manifests.assertRequestedEqualsManifest("t5-v1_1-xxl-encoder", loader);
    }
  }

  @Test
  void wrongConfigIsRejectedNamingTheTensor() {
    JsonConfig cfg = Manifests.config("t5-v1_1-xxl-encoder").with("d_ff", new com.google.gson.JsonPrimitive(4096));
    try (NDManager m = NDManager.newBaseManager(); ManifestWeights src = Manifests.weights("t5-v1_1-xxl-encoder")) {
      WeightLoader loader = new WeightLoader(src, m, DataType.FLOAT32);
      var e = assertThrows(dev.vidgen.api.WeightsException.class,
          () -> new T5EncoderModel(T5Config.parse(cfg), loader.root()));
      org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("DenseReluDense.wi_0.weight"),
          e.getMessage());
    }
  }
}
