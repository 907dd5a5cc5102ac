package dev.vidgen.weights;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes safetensors files (the format diffusers' {@code save_pretrained(safe_serialization=True)} writes): header
 * padded with spaces to a multiple of 8 bytes, tensors in insertion order, written to a temporary file and moved
 * into place.
 */
public final class SafetensorsWriter {
  /** One tensor: element type, shape and its little-endian bytes. */
  public record Entry(TensorDType dtype, long[] shape, byte[] data) {}

  private final Map<String, Entry> tensors = new LinkedHashMap<>();
  private final Map<String, String> metadata = new LinkedHashMap<>();

  public SafetensorsWriter put(String name, TensorDType dtype, long[] shape, byte[] data) {
    tensors.put(name, new Entry(dtype, shape.clone(), data));
    return this;
  }

  public SafetensorsWriter putFloat32(String name, long[] shape, float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return put(name, TensorDType.F32, shape, b.array());
  }

  public SafetensorsWriter metadata(String key, String value) {
    metadata.put(key, value);
    return this;
  }

  /** The header JSON as written (exposed for tests that build malformed variants). */
  public String headerJson() {
    JsonObject root = new JsonObject();
    if (!metadata.isEmpty()) {
      JsonObject m = new JsonObject();
      metadata.forEach(m::addProperty);
      root.add("__metadata__", m);
    }
    long offset = 0;
    for (Map.Entry<String, Entry> e : tensors.entrySet()) {
      JsonObject t = new JsonObject();
      t.addProperty("dtype", e.getValue().dtype().name());
      JsonArray shape = new JsonArray();
      for (long d : e.getValue().shape()) {
        shape.add(d);
      }
      t.add("shape", shape);
      JsonArray off = new JsonArray();
      off.add(offset);
      offset += e.getValue().data().length;
      off.add(offset);
      t.add("data_offsets", off);
      root.add(e.getKey(), t);
    }
    return root.toString();
  }

  /** Writes the file atomically (temp file beside it, then move). */
  public void write(Path target) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, target.getFileName().toString(), ".tmp");
    try {
      try (OutputStream out = Files.newOutputStream(tmp)) {
        writeTo(out);
      }
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  public void writeTo(OutputStream out) throws IOException {
    byte[] header = headerJson().getBytes(StandardCharsets.UTF_8);
    int padded = (header.length + 7) / 8 * 8;
    ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
    out.write(len.array());
    out.write(header);
    for (int i = header.length; i < padded; i++) {
      out.write(' ');
    }
    for (Entry e : tensors.values()) {
      out.write(e.data());
    }
  }
}
