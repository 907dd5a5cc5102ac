package dev.vidgen.models.svd;

import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.vidgen.api.HostTensor;
import dev.vidgen.testing.Parity;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/**
 * UNet parity against diffusers on {@code svd-tiny}: every denoiser call's recorded input gives its recorded
 * output. Tolerance from the issue: max|Δ| ≤ 1e-4 × max(1, max|ref|).
 */
class UNetSpatioTemporalConditionModelTest {
  static final double REL_TOL = 1e-4;

  private static NDManager manager;
  private static UNetSpatioTemporalConditionModel unet;

  @BeforeAll
  static void load() {
    manager = NDManager.newBaseManager();
    unet = UNetSpatioTemporalConditionModel.load(SvdFixture.modelDir().resolve("unet"), manager, DataType.FLOAT32);
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  private HostTensor run(int step, String ehsName) {
    try (NDManager m = manager.newSubManager()) {
      NDArray sample = SvdFixture.nd(m, "unet.step" + step + ".input");
      NDArray t = SvdFixture.nd(m, "unet.step" + step + ".timestep");
      NDArray ehs = SvdFixture.nd(m, ehsName);
      // encoder_hidden_states and added_time_ids are the same for every step; the fixture records them at step 0
      NDArray ids = SvdFixture.nd(m, "unet.step0.added_time_ids");
      // through the SPI view (predict = forward)
      return SvdFixture.host(unet.predict(new UNetSpatioTemporalConditionModel.Input(sample, t, ehs, ids)));
    }
  }

  @ParameterizedTest(name = "step {0}")
  @ValueSource(ints = {0, 1, 2})
  void everyUnetCallMatchesDiffusers(int step) {
    HostTensor out = run(step, "unet.step0.encoder_hidden_states");
    SvdFixture.assertParity("unet.step" + step + ".output", SvdFixture.ref("unet.step" + step + ".output"), out,
        REL_TOL);
  }

  /** The comparison can fail: the conditioning image embedding zeroed in both rows changes the output. */
  @Test
  void wrongConditioningIsDetected() {
    HostTensor good = SvdFixture.ref("unet.step0.output");
    HostTensor out;
    try (NDManager m = manager.newSubManager()) {
      NDArray ehs = SvdFixture.nd(m, "unet.step0.encoder_hidden_states").zerosLike();
      out = SvdFixture.host(unet.forward(SvdFixture.nd(m, "unet.step0.input"), SvdFixture.nd(m,
          "unet.step0.timestep"), ehs, SvdFixture.nd(m, "unet.step0.added_time_ids")));
    }
    HostTensor finalOut = out;
    assertThrows(AssertionFailedError.class, () -> Parity.assertCloseRel("perturbed", good, finalOut, REL_TOL));
  }
}
