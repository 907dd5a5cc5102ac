package dev.vidgen.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Port of diffusers v0.32.2 {@code schedulers/scheduling_ddpm.py} ({@code DDPMScheduler._threshold_sample}), which
 * DDIM and DPM-Solver copy: Imagen's dynamic thresholding (arXiv 2205.11487). "At each sampling step we set s to a
 * certain percentile absolute pixel value in xt0, and if s &gt; 1, then we threshold xt0 to the range [-s, s] and
 * then divide by s."
 */
final class DynamicThresholding {
  private DynamicThresholding() {}

  /**
   * @param sample the predicted x_0, {@code (batch, channels, *remaining)}
   * @param ratio {@code dynamic_thresholding_ratio}
   * @param sampleMaxValue {@code sample_max_value}
   */
  static NDArray threshold(NDArray sample, double ratio, double sampleMaxValue) {
    DataType dtype = sample.getDataType();
    Shape shape = sample.getShape();
    long batchSize = shape.get(0);
    NDArray x = dtype == DataType.FLOAT32 || dtype == DataType.FLOAT64 ? sample : sample.toType(DataType.FLOAT32,
        false); // upcast for quantile calculation, and clamp not implemented for cpu half
    // Flatten sample for doing quantile calculation along each image
    NDArray flat = x.reshape(batchSize, -1); // (batch, channels * prod(remaining))
    long n = flat.getShape().get(1);
    NDArray absSample = flat.abs(); // "a certain percentile absolute pixel value"
    // s = torch.quantile(abs_sample, ratio, dim=1): linear interpolation between the sorted neighbours of rank
    // q * (n - 1), with q a float32 tensor as torch makes it
    NDArray sorted = absSample.sort(1);
    float rank = (float) ratio * (float) (n - 1);
    long rankBelow = (long) rank;
    long rankAbove = (long) Math.ceil(rank);
    float weight = rank - rankBelow;
    NDArray valuesBelow = sorted.get(":, " + rankBelow).reshape(batchSize, 1); // (batch, 1)
    NDArray valuesAbove = sorted.get(":, " + rankAbove).reshape(batchSize, 1); // (batch, 1)
    NDArray diff = valuesAbove.sub(valuesBelow);
    NDArray s = Math.abs(weight) < 0.5 ? valuesBelow.add(diff.mul(weight))
        : valuesAbove.sub(diff.mul(1f - weight)); // torch.lerp
    // When clamped to min=1, equivalent to standard clipping to [-1, 1]
    s = s.clip(1f, (float) sampleMaxValue);
    // "we threshold xt0 to the range [-s, s] and then divide by s"
    NDArray out = flat.maximum(s.neg()).minimum(s).div(s);
    out = out.reshape(shape);
    return out.getDataType() == dtype ? out : out.toType(dtype, false);
  }
}
