package dev.vidgen.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.vidgen.api.WeightsException;
import dev.vidgen.testing.TorchSaveWriter;
import dev.vidgen.testing.TorchSaveWriter.Layout;
import dev.vidgen.testing.TorchSaveWriter.Pickle;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The restricted reader of torch.save checkpoints: values, layouts, and what it refuses. */
class TorchCheckpointTest {
  @TempDir Path tmp;

  static final float[] MATRIX = {1, 2, 3, 4, 5, 6}; // [2,3]
  static final float[] VECTOR = {-1.5f, 0.25f, 7f};

  private static byte[] f16(float... v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) {
      b.putShort(halfBits(x));
    }
    return b.array();
  }

  /** IEEE half bits of a float that is exactly a normal half (Java 17 has no Float.floatToFloat16). */
  private static short halfBits(float x) {
    int bits = Float.floatToRawIntBits(x);
    int sign = (bits >>> 16) & 0x8000;
    if (x == 0) {
      return (short) sign;
    }
    int exp = ((bits >>> 23) & 0xff) - 127 + 15;
    return (short) (sign | exp << 10 | (bits >>> 13) & 0x3ff);
  }

  private static byte[] bf16(float... v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) {
      b.putShort((short) (Float.floatToRawIntBits(x) >>> 16));
    }
    return b.array();
  }

  private static byte[] i64(long... v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long x : v) {
      b.putLong(x);
    }
    return b.array();
  }

  private static TorchSaveWriter sample() {
    return new TorchSaveWriter()
        .putFloat32("conv.weight", new long[] {2, 3}, MATRIX)
        .putFloat32("conv.bias", new long[] {3}, VECTOR)
        .put("half.weight", TensorDType.F16, new long[] {3, 2}, f16(0.5f, 1, 1.5f, 2, 2.5f, 3))
        .put("brain.weight", TensorDType.BF16, new long[] {2}, bf16(1.5f, -2f))
        .put("position_ids", TensorDType.I64, new long[] {1, 4}, i64(0, 1, 2, 3))
        .putFloat32("scalar", new long[] {}, new float[] {42f});
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void readsEveryDtypeAndLayoutTorchSaveWrites(Layout layout) throws IOException {
    for (boolean parameters : new boolean[] {false, true}) {
      Path file = tmp.resolve(layout + "-" + parameters + ".bin");
      sample().layout(layout).asParameters(parameters).write(file);
      try (TorchCheckpoint ckpt = TorchCheckpoint.open(file); NDManager m = NDManager.newBaseManager(Device.cpu())) {
        assertEquals(List.of("conv.weight", "conv.bias", "half.weight", "brain.weight", "position_ids", "scalar"),
            List.copyOf(ckpt.keys()));
        assertArrayEquals(new long[] {2, 3}, ckpt.info("conv.weight").shape());
        assertEquals(TensorDType.F16, ckpt.info("half.weight").dtype());
        assertArrayEquals(MATRIX, ckpt.load("conv.weight", m, DataType.FLOAT32).toFloatArray(), layout.name());
        assertArrayEquals(VECTOR, ckpt.load("conv.bias", m, DataType.FLOAT32).toFloatArray());
        assertArrayEquals(new float[] {0.5f, 1, 1.5f, 2, 2.5f, 3},
            ckpt.load("half.weight", m, DataType.FLOAT32).toFloatArray(), layout.name());
        assertArrayEquals(new float[] {1.5f, -2f}, ckpt.load("brain.weight", m, DataType.FLOAT32).toFloatArray());
        NDArray ids = ckpt.load("position_ids", m, DataType.FLOAT32);
        assertEquals(DataType.INT64, ids.getDataType(), "integer tensors keep their dtype");
        assertArrayEquals(new long[] {0, 1, 2, 3}, ids.toLongArray());
        NDArray scalar = ckpt.load("scalar", m, DataType.FLOAT32);
        assertEquals(0, scalar.getShape().dimension());
        assertEquals(42f, scalar.getFloat());
      }
    }
  }

  @Test
  void aComponentFolderWithOnlyPickledWeightsLoadsAndSafetensorsWinWhenBothExist() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("text_encoder"));
    new TorchSaveWriter().putFloat32("w", new long[] {3}, VECTOR).write(dir.resolve("pytorch_model.bin"));
    try (WeightSource w = ComponentWeights.open(dir, null, "model")) {
      assertInstanceOf(TorchCheckpoint.class, w);
      assertEquals("text_encoder/pytorch_model.bin", w.name());
    }
    new TorchSaveWriter().putFloat32("w16", new long[] {3}, VECTOR).write(dir.resolve("pytorch_model.fp16.bin"));
    try (WeightSource w = ComponentWeights.open(dir, "fp16", "model")) {
      assertEquals(Set.of("w16"), w.keys(), "the variant's checkpoint");
    }
    try (WeightSource w = ComponentWeights.open(dir, "bf16", "model")) {
      assertEquals(Set.of("w"), w.keys(), "a missing variant falls back to the plain file, as diffusers does");
    }
    new SafetensorsWriter().putFloat32("s", new long[] {1}, new float[] {1}).write(dir.resolve("model.safetensors"));
    try (WeightSource w = ComponentWeights.open(dir, "fp16", "model")) {
      assertInstanceOf(SafetensorsWeights.class, w, "safetensors before any pickle, even of the variant");
    }
  }

  @Test
  void shardedCheckpointsLoadThroughTheirIndex() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("unet"));
    new TorchSaveWriter().putFloat32("a", new long[] {3}, VECTOR)
        .write(dir.resolve("diffusion_pytorch_model-00001-of-00002.bin"));
    new TorchSaveWriter().putFloat32("b", new long[] {2, 3}, MATRIX).layout(Layout.TRANSPOSED)
        .write(dir.resolve("diffusion_pytorch_model-00002-of-00002.bin"));
    Files.writeString(dir.resolve("diffusion_pytorch_model.bin.index.json"), "{\"metadata\":{},\"weight_map\":{"
        + "\"a\":\"diffusion_pytorch_model-00001-of-00002.bin\",\"b\":\"diffusion_pytorch_model-00002-of-00002.bin\"}}");
    try (WeightSource w = ComponentWeights.open(dir, null, "diffusion_pytorch_model");
        NDManager m = NDManager.newBaseManager(Device.cpu())) {
      assertEquals(Set.of("a", "b"), w.keys());
      assertArrayEquals(MATRIX, w.load("b", m, DataType.FLOAT32).toFloatArray());
      assertEquals("unet/diffusion_pytorch_model-00002-of-00002.bin", w.describe("b"));
    }
    Files.writeString(dir.resolve("diffusion_pytorch_model.bin.index.json"),
        "{\"weight_map\":{\"a\":\"../../etc/passwd\"}}");
    WeightsException e = assertThrows(WeightsException.class,
        () -> ComponentWeights.open(dir, null, "diffusion_pytorch_model"));
    assertTrue(e.getMessage().contains("plain file name"), e.getMessage());
  }

  @Test
  void strictLoadingAppliesToCheckpointsAsToSafetensors() throws IOException {
    Path file = tmp.resolve("m.bin");
    sample().write(file);
    try (TorchCheckpoint ckpt = TorchCheckpoint.open(file); NDManager m = NDManager.newBaseManager(Device.cpu())) {
      WeightLoader loader = new WeightLoader(ckpt, m, DataType.FLOAT32);
      WeightsException e = assertThrows(WeightsException.class, () -> loader.root().at("conv").get("weight", 3, 2));
      assertTrue(e.getMessage().contains("m.bin") && e.getMessage().contains("'conv.weight' has shape [2,3], "
          + "expected [3,2]"), e.getMessage());
      loader.root().at("conv").get("bias", 3);
      WeightsException left = assertThrows(WeightsException.class, () -> loader.finish("Conv", List.of()));
      assertTrue(left.getMessage().contains("half.weight"), left.getMessage());
    }
  }

  /** A pickle that, loaded with Python's pickle, would run {@code os.system("touch <marker>")}. */
  @Test
  void aPickleThatCallsOsSystemIsRefusedAndNothingRuns() throws IOException {
    Path marker = tmp.resolve("pwned");
    byte[] evil = new Pickle().proto(2).global("posix", "system").put().unicode("touch " + marker).op(0x85)
        .reduce().put().stop().bytes();
    Path file = tmp.resolve("diffusion_pytorch_model.bin");
    TorchSaveWriter.writeZip(file, Map.of("archive/data.pkl", evil));
    WeightsException e = assertThrows(WeightsException.class, () -> TorchCheckpoint.open(file));
    assertTrue(e.getMessage().contains("diffusion_pytorch_model.bin") && e.getMessage().contains("'posix.system'")
        && e.getMessage().contains("Nothing was executed"), e.getMessage());
    assertFalse(Files.exists(marker), "the command ran");

    // the same through protocol 4's STACK_GLOBAL, and builtins.eval behind a valid-looking state dict entry
    byte[] stackGlobal = new Pickle().proto(4).unicode("os").unicode("system").op(0x93).unicode("touch " + marker)
        .op(0x85).reduce().stop().bytes();
    TorchSaveWriter.writeZip(file, Map.of("archive/data.pkl", stackGlobal));
    e = assertThrows(WeightsException.class, () -> TorchCheckpoint.open(file));
    assertTrue(e.getMessage().contains("'os.system'"), e.getMessage());
    byte[] eval = new Pickle().proto(2).global("collections", "OrderedDict").emptyTuple().reduce().unicode("w")
        .global("builtins", "eval").unicode("__import__('os').system('touch " + marker + "')").op(0x85).reduce()
        .setitem().stop().bytes();
    TorchSaveWriter.writeZip(file, Map.of("archive/data.pkl", eval));
    e = assertThrows(WeightsException.class, () -> TorchCheckpoint.open(file));
    assertTrue(e.getMessage().contains("'builtins.eval'"), e.getMessage());
    // INST/OBJ build objects of arbitrary classes: refused as opcodes
    byte[] inst = new Pickle().proto(2).mark().unicode("touch " + marker).op('i')
        .raw("os\nsystem\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)).stop().bytes();
    TorchSaveWriter.writeZip(file, Map.of("archive/data.pkl", inst));
    e = assertThrows(WeightsException.class, () -> TorchCheckpoint.open(file));
    assertTrue(e.getMessage().contains("INST"), e.getMessage());
    assertFalse(Files.exists(marker), "the command ran");
  }

  @Test
  void malformedCheckpointsFailNamingFileAndProblem() throws IOException {
    Path good = tmp.resolve("good.bin");
    sample().write(good);
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(good.toFile())) {
      for (var en = z.entries(); en.hasMoreElements(); ) {
        var entry = en.nextElement();
        entries.put(entry.getName(), z.getInputStream(entry).readAllBytes());
      }
    }
    Map<String, String> cases = new LinkedHashMap<>();
    Map<String, byte[]> missing = new LinkedHashMap<>(entries);
    missing.remove("archive/data/1");
    cases.put("storage '1' (archive/data/1) is missing", write("missing.bin", missing));
    Map<String, byte[]> shortStorage = new LinkedHashMap<>(entries);
    shortStorage.put("archive/data/0", new byte[8]);
    cases.put("storage '0' should hold 6 F32 elements (24 bytes) but its entry has 8 bytes",
        write("short.bin", shortStorage));
    Map<String, byte[]> big = new LinkedHashMap<>(entries);
    big.put("archive/byteorder", "big".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    cases.put("'big'-endian", write("big.bin", big));
    Map<String, byte[]> noPickle = new LinkedHashMap<>(entries);
    noPickle.remove("archive/data.pkl");
    cases.put("without <archive>/data.pkl", write("nopkl.bin", noPickle));
    Path notZip = tmp.resolve("notzip.bin");
    Files.write(notZip, new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c});
    cases.put("legacy torch.save format", notZip.toString());
    Map<String, byte[]> outside = new LinkedHashMap<>(entries);
    outside.put("archive/data.pkl", new Pickle().proto(2).global("collections", "OrderedDict").emptyTuple().reduce()
        .unicode("w").global("torch._utils", "_rebuild_tensor_v2").mark().mark().unicode("storage")
        .global("torch", "FloatStorage").unicode("0").unicode("cpu").integer(6).tuple().persid().integer(4)
        .ints(new long[] {2, 2}).ints(new long[] {2, 1}).bool(false).global("collections", "OrderedDict")
        .emptyTuple().reduce().tuple().reduce().setitem().stop().bytes());
    cases.put("reaches element 7 of storage '0', which holds 6", write("outside.bin", outside));
    Map<String, byte[]> notTensor = new LinkedHashMap<>(entries);
    notTensor.put("archive/data.pkl", new Pickle().proto(2).global("collections", "OrderedDict").emptyTuple()
        .reduce().unicode("epoch").integer(3).setitem().stop().bytes());
    cases.put("state dict entry 'epoch' is a int, not a tensor", write("nottensor.bin", notTensor));
    for (Map.Entry<String, String> c : cases.entrySet()) {
      WeightsException e = assertThrows(WeightsException.class, () -> TorchCheckpoint.open(Path.of(c.getValue())));
      assertTrue(e.getMessage().contains(Path.of(c.getValue()).getFileName().toString())
          && e.getMessage().contains(c.getKey()), c.getKey() + " -> " + e.getMessage());
    }
  }

  private String write(String name, Map<String, byte[]> entries) throws IOException {
    Path p = tmp.resolve(name);
    TorchSaveWriter.writeZip(p, entries);
    return p.toString();
  }
}
