package dev.vidgen.models.modelscope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.api.HostTensor;
import dev.vidgen.check.Comparison;
import dev.vidgen.testing.Fixtures;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Native memory and input handling of {@link UNet3DConditionModel#forward}: nothing a call creates outlives it
 * except its result, nothing lands in the weights' manager, and the timestep forms diffusers accepts give the same
 * output.
 */
class UNet3DMemoryAndInputsTest {
  static NDManager weights;
  static UNet3DConditionModel unet;
  static Map<String, HostTensor> ref;

  @BeforeAll
  static void load() {
    Path caseDir = Fixtures.caseDir("modelscope-tiny");
    ref = Fixtures.reference(caseDir);
    weights = NDManager.newBaseManager();
    unet = UNet3DConditionModel.load(caseDir.resolve("model/unet"), weights, DataType.FLOAT32);
  }

  @AfterAll
  static void close() {
    weights.close();
  }

  @Test
  void aForwardInsideAScopeLeavesNoArrayBehind() {
    try (NDManager inputs = NDManager.newBaseManager()) {
      NDArray sample = UNet3DConditionModelParityTest.nd(inputs, ref.get("unet.step0.input"));
      NDArray timestep = UNet3DConditionModelParityTest.nd(inputs, ref.get("unet.step0.timestep"));
      NDArray encoder = UNet3DConditionModelParityTest.nd(inputs, ref.get("unet.step0.encoder_hidden_states"));
      int weightArrays = weights.getManagedArrays().size();
      int inputArrays = inputs.getManagedArrays().size();
      assertTrue(weightArrays > 100, "the weights manager should hold the UNet's tensors, has " + weightArrays);
      for (int run = 0; run < 3; run++) {
        try (NDScope scope = new NDScope()) {
          NDArray out = unet.forward(sample, timestep, encoder);
          assertEquals(new Shape(2, 4, 8, 8, 8), out.getShape());
          assertEquals(weightArrays, weights.getManagedArrays().size(), "an array landed in the weights manager");
        }
        assertEquals(weightArrays, weights.getManagedArrays().size(), "run " + run + ": weights manager grew");
        assertEquals(inputArrays, inputs.getManagedArrays().size(), "run " + run + ": inputs manager grew");
      }
    }
  }

  @Test
  void withoutAScopeOnlyTheResultSurvives() {
    try (NDManager inputs = NDManager.newBaseManager()) {
      NDArray sample = UNet3DConditionModelParityTest.nd(inputs, ref.get("unet.step0.input"));
      NDArray timestep = UNet3DConditionModelParityTest.nd(inputs, ref.get("unet.step0.timestep"));
      NDArray encoder = UNet3DConditionModelParityTest.nd(inputs, ref.get("unet.step0.encoder_hidden_states"));
      int weightArrays = weights.getManagedArrays().size();
      int inputArrays = inputs.getManagedArrays().size();
      NDArray out = unet.forward(sample, timestep, encoder);
      assertEquals(weightArrays, weights.getManagedArrays().size(), "an array landed in the weights manager");
      assertEquals(inputArrays + 1, inputs.getManagedArrays().size(), "more than the result survived the call");
      out.close();
      assertEquals(inputArrays, inputs.getManagedArrays().size());
    }
  }

  @Test
  void timestepFormsAgree() {
    HostTensor t = ref.get("unet.step1.timestep");
    long tv = (long) t.data()[0];
    HostTensor base = run(m -> m.create(new float[] {tv}));
    HostTensor scalarInt = run(m -> m.create(tv));
    HostTensor batchInt = run(m -> m.create(new long[] {tv, tv}));
    assertArrayEquals(base.data(), scalarInt.data());
    assertArrayEquals(base.data(), batchInt.data());
    HostTensor expected = ref.get("unet.step1.output");
    assertTrue(Comparison.of("unet.step1.output", expected, batchInt, 1e-4).passed());
  }

  @Test
  void sizesThatAreNotMultiplesOfTheUpFactorForwardTheUpsampleSize() {
    try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
      NDArray sample = m.randomNormal(new Shape(1, 4, 3, 7, 5));
      NDArray encoder = m.randomNormal(new Shape(1, 5, 32));
      NDArray out = unet.forward(sample, m.create(10f), encoder);
      assertEquals(new Shape(1, 4, 3, 7, 5), out.getShape());
      for (float v : out.toFloatArray()) {
        assertTrue(Float.isFinite(v));
      }
    }
  }

  @Test
  void badInputsAreRejectedWithTheirNames() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray sample = m.zeros(new Shape(2, 4, 2, 8, 8));
      NDArray enc = m.zeros(new Shape(2, 5, 32));
      IllegalArgumentException e1 = assertThrows(IllegalArgumentException.class,
          () -> unet.forward(m.zeros(new Shape(2, 3, 2, 8, 8)), m.create(1f), enc));
      assertTrue(e1.getMessage().contains("sample") && e1.getMessage().contains("in_channels"), e1.getMessage());
      IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
          () -> unet.forward(sample, m.create(new float[] {1, 2, 3}), enc));
      assertTrue(e2.getMessage().contains("timestep"), e2.getMessage());
      IllegalArgumentException e3 = assertThrows(IllegalArgumentException.class,
          () -> unet.forward(sample, m.create(1f), m.zeros(new Shape(2, 5, 16))));
      assertTrue(e3.getMessage().contains("encoderHiddenStates") && e3.getMessage().contains("cross_attention_dim"),
          e3.getMessage());
    }
  }

  private HostTensor run(java.util.function.Function<NDManager, NDArray> timestep) {
    try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
      NDArray out = unet.forward(UNet3DConditionModelParityTest.nd(m, ref.get("unet.step1.input")),
          timestep.apply(m), UNet3DConditionModelParityTest.nd(m, ref.get("unet.step0.encoder_hidden_states")));
      return new HostTensor(out.getShape().getShape(), out.toFloatArray());
    }
  }
}
