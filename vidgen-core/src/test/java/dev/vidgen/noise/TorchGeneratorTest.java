package dev.vidgen.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.api.HostTensor;
import dev.vidgen.testing.Fixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TorchGeneratorTest {
  @Test
  void initialNoiseEqualsDiffusersBitForBit() {
    Path dir = Fixtures.caseDir("modelscope-tiny");
    long seed = Fixtures.referenceJson(dir).get("seed").getAsLong();
    HostTensor expected = Fixtures.reference(dir).get("latents.initial");
    try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
      NDArray noise = new TorchGenerator(seed).randn(m, new Shape(expected.shape()));
      assertArrayEquals(expected.data(), noise.toFloatArray(), 0f, "latents.initial from seed " + seed);
    }
  }

  @Test
  void successiveDrawsMatchSchedulerFixture() {
    // schedulers/euler: g = Generator().manual_seed(seed); sample.initial = randn(shape, g); then model_output
    // of every step = randn(shape, g) in order.
    Path dir = Fixtures.caseDir("schedulers/euler");
    var ref = Fixtures.reference(dir);
    long seed = Fixtures.referenceJson(dir).get("seed").getAsLong();
    HostTensor initial = ref.get("sample.initial");
    try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
      TorchGenerator g = new TorchGenerator(seed);
      Shape s = new Shape(initial.shape());
      assertArrayEquals(initial.data(), g.randn(m, s).toFloatArray(), 0f, "sample.initial");
      // another generator drawing in between must not disturb g
      new TorchGenerator(123).randn(m, s);
      for (int i = 0; i < 3; i++) {
        assertArrayEquals(ref.get("step" + i + ".model_output").data(), g.randn(m, s).toFloatArray(), 0f,
            "step" + i + ".model_output");
      }
    }
  }
}
