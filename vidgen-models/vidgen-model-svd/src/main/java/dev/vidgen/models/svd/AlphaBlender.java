package dev.vidgen.models.svd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.ConfigEnum;
import dev.vidgen.weights.Weights;

/**
 * Port of diffusers v0.32.2 {@code models/resnet.py} ({@code AlphaBlender}): blends the spatial and the temporal
 * path of a spatio-temporal block, {@code alpha * x_spatial + (1 - alpha) * x_temporal}, with {@code alpha} derived
 * from the weight {@code mix_factor} ({@code [1]}).
 */
public final class AlphaBlender {
  /** {@code merge_strategy}. */
  public enum MergeStrategy implements ConfigEnum {
    /** {@code alpha = mix_factor} (a buffer). */
    FIXED("fixed"),
    /** {@code alpha = sigmoid(mix_factor)}. */
    LEARNED("learned"),
    /** {@code alpha = 1} where {@code image_only_indicator} is set, else {@code sigmoid(mix_factor)}. */
    LEARNED_WITH_IMAGES("learned_with_images");

    private final String json;

    MergeStrategy(String json) {
      this.json = json;
    }

    @Override
    public String jsonName() {
      return json;
    }
  }

  private final MergeStrategy mergeStrategy;
  private final boolean switchSpatialToTemporalMix;
  private final NDArray mixFactor;

  /**
   * @param switchSpatialToTemporalMix use {@code 1 - alpha} (the temporal VAE decoder)
   */
  public AlphaBlender(Weights w, MergeStrategy mergeStrategy, boolean switchSpatialToTemporalMix) {
    this.mergeStrategy = mergeStrategy;
    this.switchSpatialToTemporalMix = switchSpatialToTemporalMix;
    this.mixFactor = w.get("mix_factor", 1);
  }

  /**
   * diffusers' {@code get_alpha}.
   *
   * @param imageOnlyIndicator {@code [B, F]}, 1 marks a frame that is a still image
   * @param ndims 5 for {@code [B, C, F, H, W]} inputs, 3 for {@code [B*F, L, C]} inputs
   */
  NDArray getAlpha(NDArray imageOnlyIndicator, int ndims) {
    return switch (mergeStrategy) {
      case FIXED -> mixFactor.duplicate();
      case LEARNED -> Activation.sigmoid(mixFactor);
      case LEARNED_WITH_IMAGES -> {
        if (imageOnlyIndicator == null) {
          throw new IllegalArgumentException("AlphaBlender: merge_strategy learned_with_images needs an "
              + "image_only_indicator [batch, frames]");
        }
        Shape s = imageOnlyIndicator.getShape(); // (B, F)
        // torch.where broadcasts ones(1, 1) and sigmoid(mix_factor)[..., None] to (B, F); DJL's where does not
        NDArray one = imageOnlyIndicator.getManager().ones(s, mixFactor.getDataType());
        NDArray learned = Activation.sigmoid(mixFactor).reshape(1, 1).broadcast(s);
        NDArray alpha = NDArrays.where(imageOnlyIndicator.toType(DataType.BOOLEAN, false), one, learned); // (B, F)
        if (ndims == 5) {
          yield alpha.reshape(s.get(0), 1, s.get(1), 1, 1); // (B, 1, F, 1, 1): (batch, channel, frames, h, w)
        } else if (ndims == 3) {
          yield alpha.reshape(-1, 1, 1); // (B*F, 1, 1): (batch*frames, h*w, channels)
        }
        throw new IllegalArgumentException("AlphaBlender: unexpected ndims " + ndims + "; inputs must have 3 or 5 "
            + "dimensions");
      }
    };
  }

  /** {@code alpha * xSpatial + (1 - alpha) * xTemporal} (alpha flipped when switching). */
  public NDArray forward(NDArray xSpatial, NDArray xTemporal, NDArray imageOnlyIndicator) {
    return Scopes.keep(() -> {
      NDArray alpha = getAlpha(imageOnlyIndicator, xSpatial.getShape().dimension()).toType(xSpatial.getDataType(),
          false);
      if (switchSpatialToTemporalMix) {
        alpha = alpha.neg().add(1f); // 1.0 - alpha
      }
      NDArray oneMinusAlpha = alpha.neg().add(1f);
      // alpha * x_spatial + (1 - alpha) * x_temporal, with the inputs as first operands so that the result lives
      // in their manager (alpha is derived from a weight)
      return xSpatial.mul(alpha).add(xTemporal.mul(oneMinusAlpha));
    });
  }
}
