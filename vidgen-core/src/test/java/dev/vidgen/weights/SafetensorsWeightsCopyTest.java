package dev.vidgen.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A loaded weight must own its memory: it must not alias the file mapping, which the JVM unmaps when the mapped
 * buffer is garbage-collected (a later read would then crash the process). The file is rewritten after loading;
 * an aliasing tensor would see the new bytes (read-only mappings are shared with the file on Linux).
 */
class SafetensorsWeightsCopyTest {
  @Test
  void loadedTensorsDoNotAliasTheFile(@TempDir Path tmp) throws IOException {
    Path file = tmp.resolve("w.safetensors");
    float[] f32 = {1f, 2f, 3f, 4f};
    long[] i64 = {7, 8};
    String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
        + "\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[16,32]}}";
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + 32).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    for (float v : f32) {
      b.putFloat(v);
    }
    for (long v : i64) {
      b.putLong(v);
    }
    Files.write(file, b.array());

    try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
      NDArray a;
      NDArray ids;
      try (SafetensorsWeights w = SafetensorsWeights.open(file)) {
        a = w.load("a", m, DataType.FLOAT32); // same dtype: the case torch's to() would alias
        ids = w.load("ids", m, DataType.FLOAT32); // integer tensors keep their dtype
      }
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
        ByteBuffer zeros = ByteBuffer.allocate(32);
        ch.write(zeros, 8 + h.length);
      }
      System.gc();
      assertArrayEquals(f32, a.toFloatArray(), 0f, "F32 weight changed when the file changed: it aliases the mapping");
      assertArrayEquals(i64, ids.toLongArray(), "I64 tensor changed when the file changed: it aliases the mapping");
    }
  }
}
