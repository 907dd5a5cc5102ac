package dev.vidgen.testing;

import dev.vidgen.weights.TensorDType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a state dict the way {@code torch.save(state_dict, f)} does (PyTorch ≥ 1.6, pickle protocol 2): a zip with
 * {@code archive/data.pkl}, one stored entry {@code archive/data/<key>} per storage, {@code archive/byteorder} and
 * {@code archive/version}. The pickle is the one torch writes: {@code OrderedDict()} filled by {@code SETITEMS} with
 * {@code _rebuild_tensor_v2(persistent_id(('storage', torch.FloatStorage, '0', 'cpu', numel)), offset, size, stride,
 * False, OrderedDict())} values, then a {@code BUILD} with the {@code _metadata} attribute dict.
 *
 * <p>Layouts make the reader's harder paths testable with the same tensors: {@link Layout#TRANSPOSED} stores 2-D
 * tensors column-major (stride {@code (1, rows)}, as torch saves a {@code .t()} view), {@link Layout#SHARED} packs all
 * tensors of a dtype into one storage at increasing offsets, and {@link #asParameters} wraps tensors in {@code
 * _rebuild_parameter} as an {@code nn.Module}'s parameters pickle.
 */
public final class TorchSaveWriter {
  /** How tensors are laid out in storages. */
  public enum Layout { CONTIGUOUS, TRANSPOSED, SHARED }

  private record Tensor(String key, TensorDType dtype, long[] shape, byte[] rowMajor) {}

  private final List<Tensor> tensors = new ArrayList<>();
  private Layout layout = Layout.CONTIGUOUS;
  private boolean parameters;

  public TorchSaveWriter layout(Layout layout) {
    this.layout = layout;
    return this;
  }

  public TorchSaveWriter asParameters(boolean parameters) {
    this.parameters = parameters;
    return this;
  }

  /** Adds a tensor from its row-major little-endian bytes. */
  public TorchSaveWriter put(String key, TensorDType dtype, long[] shape, byte[] rowMajorLittleEndian) {
    tensors.add(new Tensor(key, dtype, shape.clone(), rowMajorLittleEndian.clone()));
    return this;
  }

  public TorchSaveWriter putFloat32(String key, long[] shape, float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return put(key, TensorDType.F32, shape, b.array());
  }

  private static String storageClass(TensorDType t) {
    return switch (t) {
      case F32 -> "FloatStorage";
      case F16 -> "HalfStorage";
      case BF16 -> "BFloat16Storage";
      case F64 -> "DoubleStorage";
      case I64 -> "LongStorage";
      case I32 -> "IntStorage";
      case I16 -> "ShortStorage";
      case I8 -> "CharStorage";
      case U8 -> "ByteStorage";
      case BOOL -> "BoolStorage";
    };
  }

  /** One tensor's place in the storages. */
  private record View(String storage, long offset, long[] stride) {}

  /** Writes the checkpoint file. */
  public void write(Path file) throws IOException {
    Map<String, ByteArrayOutputStream> storages = new LinkedHashMap<>();
    Map<String, TensorDType> storageTypes = new LinkedHashMap<>();
    List<View> views = new ArrayList<>();
    Map<TensorDType, String> shared = new LinkedHashMap<>();
    for (Tensor t : tensors) {
      int es = t.dtype().byteSize();
      boolean transpose = layout == Layout.TRANSPOSED && t.shape().length == 2;
      byte[] bytes = transpose ? transpose(t.rowMajor(), (int) t.shape()[0], (int) t.shape()[1], es) : t.rowMajor();
      long[] stride = transpose ? new long[] {1, t.shape()[0]} : contiguousStride(t.shape());
      String key;
      if (layout == Layout.SHARED) {
        key = shared.computeIfAbsent(t.dtype(), d -> Integer.toString(shared.size()));
      } else {
        key = Integer.toString(storages.size());
      }
      ByteArrayOutputStream s = storages.computeIfAbsent(key, k -> new ByteArrayOutputStream());
      storageTypes.put(key, t.dtype());
      long offset = s.size() / es;
      s.write(bytes);
      views.add(new View(key, offset, stride));
    }
    Pickle p = new Pickle();
    p.proto(2).global("collections", "OrderedDict").put().emptyTuple().reduce().put().mark();
    for (int i = 0; i < tensors.size(); i++) {
      Tensor t = tensors.get(i);
      View v = views.get(i);
      long numel = storages.get(v.storage()).size() / t.dtype().byteSize();
      p.unicode(t.key());
      if (parameters) {
        p.global("torch._utils", "_rebuild_parameter");
      }
      p.global("torch._utils", "_rebuild_tensor_v2").put().mark();
      p.mark().unicode("storage").global("torch", storageClass(storageTypes.get(v.storage()))).unicode(v.storage())
          .unicode("cpu").integer(numel).tuple().persid();
      p.integer(v.offset()).ints(t.shape()).ints(v.stride()).bool(false);
      p.global("collections", "OrderedDict").emptyTuple().reduce();
      p.tuple().reduce();
      if (parameters) { // _rebuild_parameter(tensor, True, OrderedDict()): three items pickle as TUPLE3
        p.bool(true).global("collections", "OrderedDict").emptyTuple().reduce().op(0x87).reduce();
      }
    }
    p.setitems();
    // state: {'_metadata': OrderedDict({'': {'version': 1}})}
    p.emptyDict().unicode("_metadata").global("collections", "OrderedDict").emptyTuple().reduce().unicode("")
        .emptyDict().unicode("version").integer(1).setitem().setitem().setitem().build().stop();
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("archive/data.pkl", p.bytes());
    entries.put("archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
    for (Map.Entry<String, ByteArrayOutputStream> e : storages.entrySet()) {
      entries.put("archive/data/" + e.getKey(), e.getValue().toByteArray());
    }
    entries.put("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
    writeZip(file, entries);
  }

  /**
   * Copies a diffusers folder, writing every {@code *.safetensors} as the {@code torch.save} file of the same tensors
   * ({@code diffusion_pytorch_model.bin}, or {@code pytorch_model.bin} for transformers' {@code model.safetensors}),
   * in the given layout.
   */
  public static void binTwin(Path src, Path dst, Layout layout) throws IOException {
    try (java.util.stream.Stream<Path> files = Files.walk(src)) {
      for (Path f : files.toList()) {
        Path rel = src.relativize(f);
        if (Files.isDirectory(f)) {
          Files.createDirectories(dst.resolve(rel.toString()));
          continue;
        }
        String name = f.getFileName().toString();
        if (!name.endsWith(".safetensors")) {
          Files.copy(f, dst.resolve(rel.toString()));
          continue;
        }
        TorchSaveWriter w = new TorchSaveWriter().layout(layout).asParameters(layout == Layout.TRANSPOSED);
        try (dev.vidgen.weights.SafetensorsFile st = dev.vidgen.weights.SafetensorsFile.open(f)) {
          for (dev.vidgen.weights.TensorInfo t : st.tensors().values()) {
            ByteBuffer b = st.map(t);
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            w.put(t.name(), t.dtype(), t.shape(), bytes);
          }
        }
        String stem = name.substring(0, name.length() - ".safetensors".length());
        w.write(dst.resolve(rel.toString()).resolveSibling((stem.equals("model") ? "pytorch_model" : stem) + ".bin"));
      }
    }
  }

  /** Writes a zip of stored (uncompressed) entries, as torch.save does. */
  public static void writeZip(Path file, Map<String, byte[]> entries) throws IOException {
    try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        ZipEntry z = new ZipEntry(e.getKey());
        z.setMethod(ZipEntry.STORED);
        z.setSize(e.getValue().length);
        CRC32 crc = new CRC32();
        crc.update(e.getValue());
        z.setCrc(crc.getValue());
        zip.putNextEntry(z);
        zip.write(e.getValue());
        zip.closeEntry();
      }
    }
  }

  private static long[] contiguousStride(long[] shape) {
    long[] s = new long[shape.length];
    long acc = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= shape[i];
    }
    return s;
  }

  private static byte[] transpose(byte[] src, int rows, int cols, int es) {
    byte[] out = new byte[src.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        System.arraycopy(src, (r * cols + c) * es, out, (c * rows + r) * es, es);
      }
    }
    return out;
  }

  /** A protocol-2 pickle, written opcode by opcode (names from CPython's pickletools). */
  public static final class Pickle {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private int memo;

    public Pickle op(int opcode) {
      out.write(opcode);
      return this;
    }

    public Pickle raw(byte[] b) {
      out.writeBytes(b);
      return this;
    }

    public Pickle proto(int v) {
      return op(0x80).op(v);
    }

    public Pickle global(String module, String name) {
      return op('c').raw((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** BINPUT / LONG_BINPUT of the next memo slot. */
    public Pickle put() {
      int i = memo++;
      if (i < 256) {
        return op('q').op(i);
      }
      return op('r').raw(le32(i));
    }

    public Pickle mark() {
      return op('(');
    }

    public Pickle emptyTuple() {
      return op(')');
    }

    public Pickle emptyDict() {
      return op('}');
    }

    public Pickle tuple() {
      return op('t');
    }

    public Pickle reduce() {
      return op('R');
    }

    public Pickle build() {
      return op('b');
    }

    public Pickle setitem() {
      return op('s');
    }

    public Pickle setitems() {
      return op('u');
    }

    public Pickle persid() {
      return op('Q');
    }

    public Pickle stop() {
      return op('.');
    }

    public Pickle bool(boolean b) {
      return op(b ? 0x88 : 0x89);
    }

    public Pickle integer(long v) {
      if (v >= 0 && v < 256) {
        return op('K').op((int) v);
      }
      if (v >= 0 && v < 65536) {
        return op('M').op((int) (v & 0xff)).op((int) (v >> 8));
      }
      if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
        return op('J').raw(le32((int) v));
      }
      byte[] b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
      return op(0x8a).op(8).raw(b);
    }

    public Pickle unicode(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      return op('X').raw(le32(b.length)).raw(b);
    }

    /** A tuple of ints (TUPLE1..3 for short ones, as pickle does). */
    public Pickle ints(long[] values) {
      if (values.length == 0) {
        return emptyTuple();
      }
      if (values.length > 3) {
        mark();
      }
      for (long v : values) {
        integer(v);
      }
      return values.length > 3 ? tuple() : op(0x84 + values.length);
    }

    public byte[] bytes() {
      return out.toByteArray();
    }

    private static byte[] le32(int v) {
      return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }
  }
}
