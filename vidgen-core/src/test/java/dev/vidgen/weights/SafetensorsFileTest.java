package dev.vidgen.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.vidgen.api.WeightsException;
import dev.vidgen.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
  @TempDir Path tmp;

  @Test
  void readsEveryFixtureWeightFile() throws IOException {
    int files = 0;
    try (var s = Files.walk(Fixtures.root())) {
      for (Path p : s.filter(f -> f.toString().endsWith(".safetensors")).toList()) {
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
          assertTrue(f.tensors().size() > 0, p.toString());
          files++;
        }
      }
    }
    assertTrue(files >= 10, "expected the fixture weight files, found " + files);
  }

  @Test
  void roundTripsFloat32AndConvertsHalfAndBfloat16() throws IOException {
    float[] v = {1f, -2.5f, 3.25f, 0f, 256f, -0.125f}; // exact in float16 and bfloat16
    ByteBuffer f16 = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer bf16 = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) {
      f16.putShort(toHalf(x));
      bf16.putShort((short) (Float.floatToIntBits(x) >>> 16));
    }
    Path file = tmp.resolve("w.safetensors");
    new SafetensorsWriter().putFloat32("a.weight", new long[] {2, 3}, v)
        .put("b.half", TensorDType.F16, new long[] {6}, f16.array())
        .put("c.bf16", TensorDType.BF16, new long[] {3, 2}, bf16.array())
        .metadata("format", "pt").write(file);
    try (SafetensorsWeights w = SafetensorsWeights.open(file); NDManager m = NDManager.newBaseManager(Device.cpu())) {
      assertEquals(Set.of("a.weight", "b.half", "c.bf16"), w.keys());
      for (String k : w.keys()) {
        NDArray a = w.load(k, m, DataType.FLOAT32);
        assertEquals(DataType.FLOAT32, a.getDataType(), k);
        assertArrayEquals(v, a.toFloatArray(), 0f, k);
      }
    }
  }

  /** IEEE half bits of a float that half represents exactly (normal numbers and zero). */
  private static short toHalf(float f) {
    int b = Float.floatToIntBits(f);
    int sign = (b >>> 16) & 0x8000;
    if (f == 0f) {
      return (short) sign;
    }
    int exp = ((b >>> 23) & 0xff) - 127 + 15;
    int mant = (b >>> 13) & 0x3ff;
    return (short) (sign | (exp << 10) | mant);
  }

  private Path writeRaw(String name, String header, int dataBytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
    out.write(h);
    out.write(new byte[dataBytes]);
    Path p = tmp.resolve(name);
    Files.write(p, out.toByteArray());
    return p;
  }

  private static void assertRejected(Path p, String... fragments) {
    WeightsException e = assertThrows(WeightsException.class, () -> SafetensorsFile.open(p).close());
    assertTrue(e.getMessage().contains(p.toString()), "names the file: " + e.getMessage());
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "expected '" + f + "' in: " + e.getMessage());
    }
  }

  @Test
  void rejectsTruncatedFile() throws IOException {
    Path good = tmp.resolve("good.safetensors");
    new SafetensorsWriter().putFloat32("x", new long[] {4}, new float[4]).write(good);
    byte[] all = Files.readAllBytes(good);
    Path cut = tmp.resolve("cut.safetensors");
    Files.write(cut, java.util.Arrays.copyOf(all, all.length - 3));
    assertRejected(cut, "'x'", "outside the data section");
    Path tiny = tmp.resolve("tiny.safetensors");
    Files.write(tiny, new byte[] {1, 2, 3});
    assertRejected(tiny, "too short");
  }

  @Test
  void rejectsHugeHeaderLengthWithoutAllocatingIt() throws IOException {
    Path p = tmp.resolve("huge.safetensors");
    Files.write(p, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE - 5).array());
    assertRejected(p, "header length");
    Path q = tmp.resolve("beyond.safetensors");
    Files.write(q, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(4096).array());
    assertRejected(q, "exceeds the file size");
  }

  @Test
  void rejectsBadEntries() throws IOException {
    assertRejected(writeRaw("json.safetensors", "{not json", 0), "not well-formed JSON");
    assertRejected(writeRaw("dtype.safetensors", "{\"x\":{\"dtype\":\"Q7\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
        "'x'", "unknown dtype 'Q7'");
    assertRejected(writeRaw("range.safetensors", "{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8),
        "'x'", "outside the data section");
    assertRejected(writeRaw("len.safetensors", "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8),
        "'x'", "needs 12 bytes");
    assertRejected(writeRaw("overlap.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "overlap");
    assertRejected(writeRaw("neg.safetensors", "{\"x\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4),
        "negative dimension");
    assertRejected(writeRaw("type.safetensors", "{\"x\":{\"dtype\":\"F32\",\"shape\":[\"a\"],\"data_offsets\":[0,4]}}",
        4), "'x'", "malformed");
    assertRejected(writeRaw("arr.safetensors", "[1,2]", 0), "not a JSON object");
  }

  @Test
  void loadsShardsThroughTheIndexAndVariants() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("unet"));
    new SafetensorsWriter().putFloat32("a", new long[] {1}, new float[] {1}).write(
        dir.resolve("diffusion_pytorch_model-00001-of-00002.safetensors"));
    new SafetensorsWriter().putFloat32("b", new long[] {1}, new float[] {2}).write(
        dir.resolve("diffusion_pytorch_model-00002-of-00002.safetensors"));
    Files.writeString(dir.resolve("diffusion_pytorch_model.safetensors.index.json"), "{\"metadata\":{},\"weight_map\":"
        + "{\"a\":\"diffusion_pytorch_model-00001-of-00002.safetensors\","
        + "\"b\":\"diffusion_pytorch_model-00002-of-00002.safetensors\"}}");
    new SafetensorsWriter().putFloat32("h", new long[] {1}, new float[] {3}).write(
        dir.resolve("diffusion_pytorch_model.fp16.safetensors"));
    try (SafetensorsWeights w = SafetensorsWeights.openComponent(dir, null, "diffusion_pytorch_model")) {
      assertEquals(Set.of("a", "b"), w.keys());
    }
    try (SafetensorsWeights w = SafetensorsWeights.openComponent(dir, "fp16", "diffusion_pytorch_model")) {
      assertEquals(Set.of("h"), w.keys());
    }
    Files.writeString(dir.resolve("diffusion_pytorch_model.safetensors.index.json"),
        "{\"weight_map\":{\"a\":\"missing.safetensors\"}}");
    WeightsException e = assertThrows(WeightsException.class,
        () -> SafetensorsWeights.openComponent(dir, null, "diffusion_pytorch_model"));
    assertTrue(e.getMessage().contains("missing.safetensors") && e.getMessage().contains("'a'"), e.getMessage());
  }

  @Test
  void pickleOnlyFolderIsReadByComponentWeightsNotAsSafetensors() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("bin"));
    new dev.vidgen.testing.TorchSaveWriter().putFloat32("w", new long[] {1}, new float[] {1})
        .write(dir.resolve("diffusion_pytorch_model.bin"));
    WeightsException e = assertThrows(WeightsException.class,
        () -> SafetensorsWeights.openComponent(dir, null, "diffusion_pytorch_model"));
    assertTrue(e.getMessage().contains("diffusion_pytorch_model.bin") && e.getMessage().contains("ComponentWeights"),
        e.getMessage());
    Files.write(dir.resolve("diffusion_pytorch_model.bin"), new byte[] {0});
    WeightsException garbage = assertThrows(WeightsException.class,
        () -> ComponentWeights.open(dir, null, "diffusion_pytorch_model"));
    assertTrue(garbage.getMessage().contains("diffusion_pytorch_model.bin")
        && garbage.getMessage().contains("not a torch.save zip archive"), garbage.getMessage());
  }

  @Test
  void weightsViewChecksNamesShapesAndLeftovers() throws IOException {
    Path file = tmp.resolve("m.safetensors");
    new SafetensorsWriter().putFloat32("down_blocks.1.conv.weight", new long[] {2, 3}, new float[6])
        .putFloat32("down_blocks.1.conv.bias", new long[] {2}, new float[2])
        .putFloat32("extra.weight", new long[] {1}, new float[1]).write(file);
    try (SafetensorsWeights src = SafetensorsWeights.open(file);
        NDManager m = NDManager.newBaseManager(Device.cpu())) {
      WeightLoader loader = new WeightLoader(src, m, DataType.FLOAT32);
      Weights w = loader.root().at("down_blocks").at(1).at("conv");
      WeightsException shape = assertThrows(WeightsException.class,
          () -> w.because("block_out_channels[1]=4 in unet/config.json").get("weight", 4, 3));
      assertTrue(shape.getMessage().contains("'down_blocks.1.conv.weight' has shape [2,3], expected [4,3]")
          && shape.getMessage().contains("block_out_channels[1]=4") && shape.getMessage().contains("m.safetensors"),
          shape.getMessage());
      WeightsException missing = assertThrows(WeightsException.class, () -> w.get("gamma", 2));
      assertTrue(missing.getMessage().contains("missing tensor 'down_blocks.1.conv.gamma'"), missing.getMessage());
      w.get("weight", 2, 3);
      w.get("bias", 2);
      WeightsException left = assertThrows(WeightsException.class, () -> loader.finish("TestModel", Set.of()));
      assertTrue(left.getMessage().contains("extra.weight") && left.getMessage().contains("TestModel"),
          left.getMessage());
      loader.finish("TestModel", Set.of("extra\\..*"));
    }
  }
}
