package dev.vidgen.vision;

import ai.djl.ndarray.NDArray;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.JsonConfig;
import java.nio.file.Path;

/**
 * The normalisation step of transformers v4.44 {@code CLIPImageProcessor} ({@code image_processing_clip.py}, {@code
 * normalize} of {@code image_transforms.py}) with the mean and std of {@code feature_extractor/preprocessor_config.json}:
 * {@code (image - mean) / std} per channel, in float32. Resizing, cropping and rescaling are the pipelines' own
 * business (Stable Video Diffusion resizes with its own anti-aliased bicubic and passes {@code do_resize=False,
 * do_center_crop=False, do_rescale=False}).
 *
 * @param imageMean per-channel mean
 * @param imageStd per-channel standard deviation
 */
public record CLIPImageProcessor(float[] imageMean, float[] imageStd) {
  /** OpenAI CLIP's defaults ({@code OPENAI_CLIP_MEAN}, {@code OPENAI_CLIP_STD}). */
  private static final double[] CLIP_MEAN = {0.48145466, 0.4578275, 0.40821073};
  private static final double[] CLIP_STD = {0.26862954, 0.26130258, 0.27577711};

  public CLIPImageProcessor {
    if (imageMean.length != imageStd.length) {
      throw new IllegalArgumentException("image_mean has " + imageMean.length + " entries but image_std has "
          + imageStd.length);
    }
    imageMean = imageMean.clone();
    imageStd = imageStd.clone();
  }

  public static CLIPImageProcessor read(Path preprocessorConfigJson) {
    JsonConfig c = JsonConfig.read(preprocessorConfigJson);
    double[] mean = c.getDoubleArray("image_mean", CLIP_MEAN);
    double[] std = c.getDoubleArray("image_std", CLIP_STD);
    if (mean.length != std.length) {
      throw c.error("image_std", "has " + std.length + " entries but image_mean has " + mean.length);
    }
    for (int i = 0; i < std.length; i++) {
      if (!(std[i] > 0)) {
        throw c.error("image_std[" + i + "]", "must be > 0, got " + std[i]);
      }
    }
    // np.array(mean, dtype=image.dtype): the statistics are rounded to float32 before use
    float[] m = new float[mean.length];
    float[] s = new float[std.length];
    for (int i = 0; i < m.length; i++) {
      m[i] = (float) mean[i];
      s[i] = (float) std[i];
    }
    return new CLIPImageProcessor(m, s);
  }

  @Override
  public float[] imageMean() {
    return imageMean.clone();
  }

  @Override
  public float[] imageStd() {
    return imageStd.clone();
  }

  /**
   * @param images {@code [B, C, H, W]} float32 in [0, 1]
   * @return {@code (images - mean) / std}, same shape
   */
  public NDArray normalize(NDArray images) {
    long c = images.getShape().get(1);
    if (c != imageMean.length) {
      throw new IllegalArgumentException("CLIPImageProcessor: images have " + c + " channels but image_mean has "
          + imageMean.length + " entries");
    }
    return Scopes.keep(() -> {
      NDArray mean = images.getManager().create(imageMean).reshape(1, c, 1, 1);
      NDArray std = images.getManager().create(imageStd).reshape(1, c, 1, 1);
      return images.sub(mean).div(std);
    });
  }
}
