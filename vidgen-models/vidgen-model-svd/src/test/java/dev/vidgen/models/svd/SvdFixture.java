package dev.vidgen.models.svd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.api.HostTensor;
import dev.vidgen.check.Comparison;
import dev.vidgen.testing.Fixtures;
import dev.vidgen.testing.Parity;
import java.nio.file.Path;
import java.util.Map;

/** The {@code svd-tiny} fixture (diffusers v0.32.2 StableVideoDiffusionPipeline on a tiny random model). */
final class SvdFixture {
  private SvdFixture() {}

  static Path caseDir() {
    return Fixtures.caseDir("svd-tiny");
  }

  static Path modelDir() {
    return caseDir().resolve("model");
  }

  private static Map<String, HostTensor> reference;

  static synchronized Map<String, HostTensor> reference() {
    if (reference == null) {
      reference = Fixtures.reference(caseDir());
    }
    return reference;
  }

  static HostTensor ref(String name) {
    HostTensor t = reference().get(name);
    if (t == null) {
      throw new AssertionError("svd-tiny/reference.safetensors has no tensor '" + name + "'. HINT: the fixture is "
          + "stale or incomplete; copy it again from shared/fixtures/svd-tiny");
    }
    return t;
  }

  static NDArray nd(NDManager manager, HostTensor t) {
    return manager.create(t.data(), new Shape(t.shape()));
  }

  static NDArray nd(NDManager manager, String name) {
    return nd(manager, ref(name));
  }

  /**
   * Parity check with the tolerance, {@code rel × max(1, max|ref|)}; prints the measured error so that the
   * test report records it.
   */
  static void assertParity(String stage, HostTensor expected, HostTensor actual, double rel) {
    double tol = rel * Math.max(1.0, Comparison.maxAbs(expected));
    System.out.println("[parity] " + Comparison.of(stage, expected, actual, tol).line());
    Parity.assertClose(stage, expected, actual, tol);
  }

  static HostTensor host(NDArray a) {
    NDArray f = a.getDataType() == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, false);
    return new HostTensor(f.getShape().getShape(), f.toFloatArray());
  }
}
