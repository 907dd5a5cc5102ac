package dev.vidgen.weights;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vidgen.api.WeightsException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file, read without trusting it: the header is length-bounded, parsed and validated (known dtypes,
 * {@code shape × dtype size == byte length}, offsets inside the file and not overlapping) before any tensor is
 * touched, and tensor data is memory-mapped one tensor at a time, so files larger than 2 GiB work and nothing is
 * copied to the Java heap. Every violation is a {@link WeightsException} naming the file and the tensor.
 *
 * <p>Format: 8 bytes little-endian header length N, N bytes of UTF-8 JSON, then the data section. See
 * https://github.com/huggingface/safetensors#format.
 */
public final class SafetensorsFile implements AutoCloseable {
  /** Headers larger than this are refused (the reference implementation caps at 100 MB too). */
  static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

  private final Path path;
  private final FileChannel channel;
  private final long dataStart;
  private final Map<String, TensorInfo> tensors;
  private final Map<String, String> metadata;

  private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors,
      Map<String, String> metadata) {
    this.path = path;
    this.channel = channel;
    this.dataStart = dataStart;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  /** Opens and validates a file. The caller closes it. */
  public static SafetensorsFile open(Path path) {
    FileChannel ch;
    try {
      ch = FileChannel.open(path, StandardOpenOption.READ);
    } catch (IOException e) {
      throw new WeightsException(path + ": cannot open safetensors file: " + e.getMessage(), e);
    }
    try {
      return parse(path, ch);
    } catch (RuntimeException e) {
      closeQuietly(ch);
      throw e;
    }
  }

  private static SafetensorsFile parse(Path path, FileChannel ch) {
    try {
      long fileSize = ch.size();
      if (fileSize < 8) {
        throw bad(path, "file is " + fileSize + " bytes, too short for the 8-byte header length");
      }
      ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, lenBuf, 0);
      long headerLen = lenBuf.getLong(0);
      if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
        throw bad(path, "header length " + Long.toUnsignedString(headerLen) + " is outside [2, " + MAX_HEADER_BYTES
            + "] (truncated or not a safetensors file)");
      }
      if (8 + headerLen > fileSize) {
        throw bad(path, "header length " + headerLen + " exceeds the file size " + fileSize + " (truncated file?)");
      }
      ByteBuffer header = ByteBuffer.allocate((int) headerLen);
      readFully(ch, header, 8);
      String json = new String(header.array(), StandardCharsets.UTF_8);
      JsonObject root;
      try {
        JsonElement el = JsonParser.parseString(json);
        if (!el.isJsonObject()) {
          throw bad(path, "header is not a JSON object");
        }
        root = el.getAsJsonObject();
      } catch (com.google.gson.JsonParseException e) {
        throw bad(path, "header is not well-formed JSON: " + e.getMessage());
      }
      long dataStart = 8 + headerLen;
      long dataSize = fileSize - dataStart;
      Map<String, TensorInfo> tensors = new LinkedHashMap<>();
      Map<String, String> metadata = new LinkedHashMap<>();
      for (Map.Entry<String, JsonElement> e : root.entrySet()) {
        String name = e.getKey();
        if (name.equals("__metadata__")) {
          if (!e.getValue().isJsonObject()) {
            throw bad(path, "__metadata__ must be an object of strings");
          }
          for (Map.Entry<String, JsonElement> m : e.getValue().getAsJsonObject().entrySet()) {
            metadata.put(m.getKey(), m.getValue().isJsonPrimitive() ? m.getValue().getAsString() : m.getValue()
                .toString());
          }
          continue;
        }
        try {
          tensors.put(name, parseEntry(path, name, e.getValue(), dataSize));
        } catch (WeightsException ex) {
          throw ex;
        } catch (RuntimeException ex) { // non-numeric offsets, overflowing shapes, wrong JSON types
          throw bad(path, "tensor '" + name + "': malformed header entry " + e.getValue() + " (" + ex + ")");
        }
      }
      // Offsets must not overlap (two tensors aliasing one byte range is a corrupt or hostile file).
      List<TensorInfo> sorted = new ArrayList<>(tensors.values());
      sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
      for (int i = 1; i < sorted.size(); i++) {
        TensorInfo prev = sorted.get(i - 1);
        TensorInfo cur = sorted.get(i);
        if (cur.begin() < prev.end() && cur.byteLength() > 0 && prev.byteLength() > 0) {
          throw bad(path, "tensors '" + prev.name() + "' [" + prev.begin() + ", " + prev.end() + ") and '"
              + cur.name() + "' [" + cur.begin() + ", " + cur.end() + ") overlap");
        }
      }
      return new SafetensorsFile(path, ch, dataStart, Collections.unmodifiableMap(tensors),
          Collections.unmodifiableMap(metadata));
    } catch (IOException e) {
      throw new WeightsException(path + ": cannot read safetensors file: " + e.getMessage(), e);
    }
  }

  private static TensorInfo parseEntry(Path path, String name, JsonElement value, long dataSize) {
    if (!value.isJsonObject()) {
      throw bad(path, "tensor '" + name + "': header entry is not an object");
    }
    JsonObject o = value.getAsJsonObject();
    if (!o.has("dtype") || !o.has("shape") || !o.has("data_offsets")) {
      throw bad(path, "tensor '" + name + "': header entry needs dtype, shape and data_offsets, has " + o.keySet());
    }
    String dtypeName = o.get("dtype").getAsString();
    TensorDType dtype = TensorDType.parse(dtypeName);
    if (dtype == null) {
      throw bad(path, "tensor '" + name + "': unknown dtype '" + dtypeName + "' (known: F64, F32, F16, BF16, I64, "
          + "I32, I16, I8, U8, BOOL)");
    }
    if (!o.get("shape").isJsonArray() || !o.get("data_offsets").isJsonArray()
        || o.get("data_offsets").getAsJsonArray().size() != 2) {
      throw bad(path, "tensor '" + name + "': shape must be an array and data_offsets an array of two numbers");
    }
    var shapeArr = o.get("shape").getAsJsonArray();
    long[] shape = new long[shapeArr.size()];
    long numel = 1;
    for (int i = 0; i < shape.length; i++) {
      long d = shapeArr.get(i).getAsLong();
      if (d < 0) {
        throw bad(path, "tensor '" + name + "': negative dimension " + d + " in shape " + shapeArr);
      }
      shape[i] = d;
      numel = Math.multiplyExact(numel, d);
    }
    long begin = o.get("data_offsets").getAsJsonArray().get(0).getAsLong();
    long end = o.get("data_offsets").getAsJsonArray().get(1).getAsLong();
    if (begin < 0 || end < begin || end > dataSize) {
      throw bad(path, "tensor '" + name + "': data_offsets [" + begin + ", " + end + "] are outside the data section "
          + "of " + dataSize + " bytes");
    }
    long expected = Math.multiplyExact(numel, dtype.byteSize());
    if (end - begin != expected) {
      throw bad(path, "tensor '" + name + "': shape " + shapeArr + " of " + dtype + " needs " + expected
          + " bytes but data_offsets span " + (end - begin));
    }
    return new TensorInfo(name, dtype, shape, begin, end);
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos + buf.position());
      if (n < 0) {
        throw new IOException("unexpected end of file");
      }
    }
  }

  private static WeightsException bad(Path path, String what) {
    return new WeightsException(path + ": " + what);
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // nothing to do
    }
  }

  public Path path() {
    return path;
  }

  /** Tensor entries in header order. */
  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  public Map<String, String> metadata() {
    return metadata;
  }

  public TensorInfo info(String name) {
    TensorInfo t = tensors.get(name);
    if (t == null) {
      throw new WeightsException(path + ": no tensor '" + name + "'");
    }
    return t;
  }

  /**
   * Maps one tensor's bytes read-only, little-endian. A single tensor must be below 2 GiB (a Java buffer limit);
   * the file itself may be any size.
   */
  public ByteBuffer map(TensorInfo t) {
    if (t.byteLength() > Integer.MAX_VALUE) {
      throw new WeightsException(path + ": tensor '" + t.name() + "' is " + t.byteLength()
          + " bytes; single tensors above 2 GiB are not supported");
    }
    try {
      return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin(), t.byteLength())
          .order(ByteOrder.LITTLE_ENDIAN);
    } catch (IOException e) {
      throw new WeightsException(path + ": cannot map tensor '" + t.name() + "': " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    closeQuietly(channel);
  }

  @Override
  public String toString() {
    return "SafetensorsFile[" + path + ", " + tensors.size() + " tensors]";
  }
}
