package dev.vidgen.models.svd;

import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.vidgen.api.HostTensor;
import dev.vidgen.vision.CLIPImageProcessor;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/**
 * SVD's image-encoder preprocessing against diffusers on {@code svd-tiny}: {@code image.pixels} ([0, 1]) → ×2−1 →
 * {@code _resize_with_antialiasing} to 224×224 → (x+1)/2 → CLIP mean/std normalisation = {@code
 * image.clip_pixel_values}. Tolerance 1e-4 × max(1, max|ref|) (the component tolerance).
 */
class ImageEncoderPreprocessingTest {
  static final double REL_TOL = 1e-4;

  private static HostTensor preprocess(NDManager m, NDArray pixels, boolean antialias) {
    CLIPImageProcessor processor = CLIPImageProcessor.read(SvdFixture.modelDir().resolve(
        "feature_extractor/preprocessor_config.json"));
    NDArray image = pixels.mul(2f).sub(1f);
    image = antialias ? ResizeWithAntialiasing.resize(image, 224, 224)
        : dev.vidgen.nn.Interpolate.bicubic(image, 224, 224, false);
    image = image.add(1f).div(2f);
    return SvdFixture.host(processor.normalize(image));
  }

  @Test
  void clipPixelValuesMatchDiffusers() {
    try (NDManager m = NDManager.newBaseManager()) {
      HostTensor out = preprocess(m, SvdFixture.nd(m, "image.pixels"), true);
      SvdFixture.assertParity("image.clip_pixel_values", SvdFixture.ref("image.clip_pixel_values"), out, REL_TOL);
    }
  }

  /** The comparison can fail: plain bicubic without align_corners is a different resize. */
  @Test
  void otherResizeIsDetected() {
    try (NDManager m = NDManager.newBaseManager()) {
      HostTensor out = preprocess(m, SvdFixture.nd(m, "image.pixels"), false);
      assertThrows(AssertionFailedError.class, () -> SvdFixture.assertParity("image.clip_pixel_values (no aa)",
          SvdFixture.ref("image.clip_pixel_values"), out, REL_TOL));
    }
  }
}
