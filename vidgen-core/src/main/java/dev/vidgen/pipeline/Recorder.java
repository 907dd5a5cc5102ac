package dev.vidgen.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.vidgen.api.HostTensor;
import dev.vidgen.api.StageRecorder;

/** Copies named stages to the host for a {@link StageRecorder}, only when one is installed. */
public final class Recorder {
  private final StageRecorder sink;

  public Recorder(StageRecorder sink) {
    this.sink = sink == null ? StageRecorder.NONE : sink;
  }

  public boolean active() {
    return sink.isActive();
  }

  public void record(String stage, NDArray value) {
    if (sink.isActive()) {
      sink.record(stage, toHost(value));
    }
  }

  public void record(String stage, double[] values, long... shape) {
    if (sink.isActive()) {
      float[] f = new float[values.length];
      for (int i = 0; i < f.length; i++) {
        f[i] = (float) values[i];
      }
      sink.record(stage, new HostTensor(shape, f));
    }
  }

  public void record(String stage, long[] values, long... shape) {
    if (sink.isActive()) {
      float[] f = new float[values.length];
      for (int i = 0; i < f.length; i++) {
        f[i] = values[i];
      }
      sink.record(stage, new HostTensor(shape, f));
    }
  }

  /** A float32 host copy of any array (ids included). */
  public static HostTensor toHost(NDArray value) {
    try (NDArray f = value.toType(DataType.FLOAT32, true)) {
      return new HostTensor(value.getShape().getShape(), f.toFloatArray());
    }
  }
}
