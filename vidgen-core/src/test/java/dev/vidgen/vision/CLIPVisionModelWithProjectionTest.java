package dev.vidgen.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.api.HostTensor;
import dev.vidgen.check.Comparison;
import dev.vidgen.testing.Fixtures;
import dev.vidgen.testing.Parity;
import dev.vidgen.weights.ManifestWeights;
import dev.vidgen.weights.TensorShapes;
import dev.vidgen.weights.WeightLoader;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/**
 * The CLIP vision tower: parity with transformers on {@code svd-tiny}'s image encoder (input {@code
 * image.clip_pixel_values}, output {@code image.embeds}; tolerance 1e-4 × max(1, max|ref|) from the SVD issue), and
 * the real SVD image encoder's names and shapes from {@code manifests/svd-image-encoder}.
 */
class CLIPVisionModelWithProjectionTest {
  static final double REL_TOL = 1e-4;

  private static HostTensor embed(CLIPVisionModelWithProjection model, NDManager m, HostTensor pixels) {
    NDArray out = model.forward(m.create(pixels.data(), new Shape(pixels.shape())));
    return new HostTensor(out.getShape().getShape(), out.toFloatArray());
  }

  @Test
  void imageEmbedsMatchTransformers() {
    Path caseDir = Fixtures.caseDir("svd-tiny");
    Map<String, HostTensor> ref = Fixtures.reference(caseDir);
    try (NDManager m = NDManager.newBaseManager()) {
      var model = CLIPVisionModelWithProjection.load(caseDir.resolve("model/image_encoder"), m, DataType.FLOAT32);
      HostTensor embeds = embed(model, m, ref.get("image.clip_pixel_values"));
      HostTensor expected = ref.get("image.embeds");
      double tol = REL_TOL * Math.max(1, Comparison.maxAbs(expected));
      System.out.println("[parity] " + Comparison.of("image.embeds", expected, embeds, tol).line());
      Parity.assertClose("image.embeds", expected, embeds, tol);

      // the comparison can fail: a slightly different input image gives different embeddings
      HostTensor pixels = ref.get("image.clip_pixel_values");
      float[] shifted = pixels.data().clone();
      for (int i = 0; i < shifted.length; i++) {
        shifted[i] += 0.05f;
      }
      HostTensor other = embed(model, m, new HostTensor(pixels.shape(), shifted));
      assertThrows(AssertionFailedError.class, () -> Parity.assertClose("perturbed", expected, other, tol));
    }
  }

  @Test
  void realSvdImageEncoderRequestsExactlyTheManifest() {
    Path dir = Fixtures.root().resolve("manifests/svd-image-encoder");
    CLIPVisionConfig config = CLIPVisionConfig.read(dir.resolve("config.json"));
    try (NDManager m = NDManager.newBaseManager(); ManifestWeights src = ManifestWeights.read(
        dir.resolve("manifest.json"))) {
      WeightLoader loader = new WeightLoader(src, m, DataType.FLOAT32);
      new CLIPVisionModelWithProjection(config, loader.root());
      loader.finish("CLIPVisionModelWithProjection", CLIPVisionModelWithProjection.KEYS_TO_IGNORE);
      Map<String, String> expected = new TreeMap<>();
      for (String k : src.keys()) {
        expected.put(k, TensorShapes.str(src.info(k).shape()));
      }
      Map<String, String> requested = new TreeMap<>();
      loader.requested().forEach((k, s) -> requested.put(k, TensorShapes.str(s)));
      assertEquals(expected, requested);
      assertEquals(520, requested.size());
    }
  }
}
