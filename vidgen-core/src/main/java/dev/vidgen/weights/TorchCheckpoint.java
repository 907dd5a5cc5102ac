package dev.vidgen.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.vidgen.api.WeightsException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A PyTorch checkpoint ({@code .bin}, {@code .pt}, {@code .ckpt}) in {@code torch.save}'s zip format (PyTorch ≥ 1.6):
 * {@code <archive>/data.pkl} pickles the state dict, whose tensors point through persistent ids at the raw
 * little-endian storages {@code <archive>/data/<key>}. The pickle is read by {@link PickleReader}, which accepts only
 * what {@code torch.save} writes for a state dict and never executes anything; every storage a tensor uses is checked
 * against its zip entry (present, exactly {@code numel × element size} bytes) before any tensor is read. Tensors are
 * then served like safetensors ones, so the strict {@link Weights} checks apply unchanged.
 *
 * <p>The top level must be a state dict ({@code {name: tensor}}); a Lightning-style checkpoint whose {@code
 * state_dict} entry holds it is accepted too. Non-contiguous views (a stride that is not row-major, a storage shared
 * by several tensors, an offset into a storage) are gathered on the host.
 */
public final class TorchCheckpoint implements WeightSource {
  /** The largest {@code data.pkl} read (real state dicts pickle to a few MB). */
  static final long MAX_PICKLE_BYTES = 512L * 1024 * 1024;

  private final Path path;
  private final String name;
  private final ZipFile zip;
  private final String prefix;
  private final Map<String, PickleReader.TensorRef> tensors;

  private TorchCheckpoint(Path path, ZipFile zip, String prefix, Map<String, PickleReader.TensorRef> tensors) {
    this.path = path;
    this.name = displayName(path);
    this.zip = zip;
    this.prefix = prefix;
    this.tensors = tensors;
  }

  /** Opens and validates a checkpoint. The caller closes it. */
  public static TorchCheckpoint open(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new WeightsException(file + ": no such PyTorch checkpoint file");
    }
    ZipFile zip;
    try {
      zip = new ZipFile(file.toFile());
    } catch (ZipException e) {
      throw new WeightsException(file + ": not a torch.save zip archive (" + e.getMessage() + ")" + legacyHint(file));
    } catch (IOException e) {
      throw new WeightsException(file + ": cannot open PyTorch checkpoint: " + e.getMessage(), e);
    }
    try {
      return read(file, zip);
    } catch (RuntimeException e) {
      closeQuietly(zip);
      throw e;
    }
  }

  private static String legacyHint(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] head = in.readNBytes(3);
      if (head.length == 3 && (head[0] & 0xff) == 0x80 && head[1] == 2 && (head[2] & 0xff) == 0x8a) {
        return "; it is in the legacy torch.save format of PyTorch < 1.6, which vidgen does not read: convert it "
            + "to safetensors once";
      }
    } catch (IOException ignored) {
      // the message without the hint is still right
    }
    return "";
  }

  private static TorchCheckpoint read(Path file, ZipFile zip) {
    String pkl = null;
    List<String> entryNames = new ArrayList<>();
    Enumeration<? extends ZipEntry> en = zip.entries();
    while (en.hasMoreElements()) {
      String n = en.nextElement().getName();
      entryNames.add(n);
      // torch.save writes <archive_name>/data.pkl, archive_name being "archive" or the file's stem
      if (n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length()) {
        if (pkl != null) {
          throw new WeightsException(file + ": two pickles in one archive (" + pkl + " and " + n + ")");
        }
        pkl = n;
      }
    }
    if (pkl == null) {
      throw new WeightsException(file + ": a zip archive without <archive>/data.pkl, so not a torch.save checkpoint "
          + "(entries: " + entryNames.subList(0, Math.min(8, entryNames.size())) + ")");
    }
    String prefix = pkl.substring(0, pkl.length() - "data.pkl".length());
    ZipEntry order = zip.getEntry(prefix + "byteorder");
    if (order != null) {
      String o = new String(readEntry(file, zip, order, 16), StandardCharsets.US_ASCII).trim();
      if (!o.equals("little")) {
        throw new WeightsException(file + ": storages are stored '" + PickleReader.printable(o) + "'-endian; only "
            + "little-endian checkpoints are read");
      }
    }
    String where = file.getFileName() + " (" + pkl + ")";
    Object top = PickleReader.read(readEntry(file, zip, zip.getEntry(pkl), MAX_PICKLE_BYTES), where);
    PickleReader.PyDict stateDict = stateDict(where, top);
    Map<String, PickleReader.TensorRef> tensors = new LinkedHashMap<>();
    Map<String, PickleReader.StorageRef> storages = new LinkedHashMap<>();
    for (Map.Entry<Object, Object> e : stateDict.items.entrySet()) {
      if (!(e.getKey() instanceof String key)) {
        throw new WeightsException(where + ": state dict key " + PickleReader.type(e.getKey())
            + " is not a string");
      }
      if (!(e.getValue() instanceof PickleReader.TensorRef t)) {
        throw new WeightsException(where + ": state dict entry '" + PickleReader.printable(key) + "' is a "
            + PickleReader.type(e.getValue()) + ", not a tensor");
      }
      PickleReader.StorageRef s = t.storage();
      PickleReader.StorageRef prev = storages.putIfAbsent(s.key(), s);
      if (prev != null && !prev.equals(s)) {
        throw new WeightsException(where + ": storage '" + s.key() + "' is named as " + prev.numel() + " "
            + prev.dtype() + " elements and as " + s.numel() + " " + s.dtype() + " elements");
      }
      tensors.put(key, t);
    }
    for (PickleReader.StorageRef s : storages.values()) {
      ZipEntry entry = zip.getEntry(prefix + "data/" + s.key());
      if (entry == null) {
        throw new WeightsException(file + ": storage '" + s.key() + "' (" + prefix + "data/" + s.key()
            + ") is missing from the archive");
      }
      long expected = s.numel() > Long.MAX_VALUE / 8 ? -1 : s.numel() * s.dtype().byteSize();
      if (entry.getSize() != expected) {
        throw new WeightsException(file + ": storage '" + s.key() + "' should hold " + s.numel() + " " + s.dtype()
            + " elements (" + expected + " bytes) but its entry has " + entry.getSize() + " bytes");
      }
    }
    return new TorchCheckpoint(file, zip, prefix, Collections.unmodifiableMap(tensors));
  }

  private static PickleReader.PyDict stateDict(String where, Object top) {
    if (!(top instanceof PickleReader.PyDict d)) {
      throw new WeightsException(where + ": the checkpoint holds a " + PickleReader.type(top)
          + ", not a state dict {name: tensor}");
    }
    if (d.items.get("state_dict") instanceof PickleReader.PyDict inner
        && !(d.items.values().stream().allMatch(v -> v instanceof PickleReader.TensorRef))) {
      return inner; // a training checkpoint: {"state_dict": {...}, "epoch": ..., ...}
    }
    return d;
  }

  private static byte[] readEntry(Path file, ZipFile zip, ZipEntry entry, long max) {
    if (entry.getSize() < 0 || entry.getSize() > max) {
      throw new WeightsException(file + ": entry " + entry.getName() + " has size " + entry.getSize()
          + " (at most " + max + " bytes expected)");
    }
    try (InputStream in = zip.getInputStream(entry)) {
      byte[] b = in.readNBytes((int) entry.getSize());
      if (b.length != entry.getSize()) {
        throw new WeightsException(file + ": entry " + entry.getName() + " is truncated (" + b.length + " of "
            + entry.getSize() + " bytes)");
      }
      return b;
    } catch (IOException e) {
      throw new WeightsException(file + ": cannot read entry " + entry.getName() + ": " + e.getMessage(), e);
    }
  }

  private static String displayName(Path file) {
    Path parent = file.getParent();
    return parent == null || parent.getFileName() == null ? file.getFileName().toString()
        : parent.getFileName() + "/" + file.getFileName();
  }

  private static void closeQuietly(ZipFile zip) {
    try {
      zip.close();
    } catch (IOException ignored) {
      // nothing to do
    }
  }

  public Path path() {
    return path;
  }

  @Override
  public Set<String> keys() {
    return tensors.keySet();
  }

  @Override
  public TensorInfo info(String key) {
    PickleReader.TensorRef t = tensors.get(key);
    if (t == null) {
      return null;
    }
    long numel = 1;
    for (long d : t.shape()) {
      numel *= d;
    }
    return new TensorInfo(key, t.storage().dtype(), t.shape(), 0, numel * t.storage().dtype().byteSize());
  }

  @Override
  public String describe(String key) {
    return name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public NDArray load(String key, NDManager manager, DataType dtype) {
    PickleReader.TensorRef t = tensors.get(key);
    if (t == null) {
      throw new WeightsException(name + ": no tensor '" + key + "'");
    }
    return HostBytes.toEngine(hostBytes(key, t), t.storage().dtype(), t.shape(), manager, dtype);
  }

  /** The tensor's elements, row-major, little-endian. */
  private ByteBuffer hostBytes(String key, PickleReader.TensorRef t) {
    long[] shape = t.shape();
    long[] stride = t.stride();
    int es = t.storage().dtype().byteSize();
    long numel = 1;
    for (long d : shape) {
      numel *= d;
    }
    if (numel == 0) {
      return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
    }
    long last = t.offset();
    boolean contiguous = true;
    long expectedStride = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      last += (shape[i] - 1) * stride[i];
      if (shape[i] != 1 && stride[i] != expectedStride) {
        contiguous = false;
      }
      expectedStride *= shape[i];
    }
    long extent = last - t.offset() + 1; // elements from the first to the last one the view touches
    if (numel * es > Integer.MAX_VALUE - 8 || extent * es > Integer.MAX_VALUE - 8) {
      throw new WeightsException(name + ": tensor '" + key + "' spans " + extent * es + " bytes; single tensors "
          + "above 2 GiB are not supported");
    }
    byte[] region = readStorage(key, t.storage(), t.offset() * es, (int) (extent * es));
    if (contiguous) {
      return ByteBuffer.wrap(region).order(ByteOrder.LITTLE_ENDIAN);
    }
    byte[] out = new byte[(int) (numel * es)];
    int rank = shape.length;
    long[] index = new long[rank];
    long src = 0; // element offset from the view's first element
    for (long n = 0; n < numel; n++) {
      System.arraycopy(region, (int) (src * es), out, (int) (n * es), es);
      for (int d = rank - 1; d >= 0; d--) { // odometer over the shape, last dimension fastest
        index[d]++;
        src += stride[d];
        if (index[d] < shape[d]) {
          break;
        }
        src -= stride[d] * shape[d];
        index[d] = 0;
      }
    }
    return ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
  }

  private byte[] readStorage(String key, PickleReader.StorageRef s, long start, int length) {
    ZipEntry entry = zip.getEntry(prefix + "data/" + s.key());
    try (InputStream in = zip.getInputStream(entry)) {
      in.skipNBytes(start);
      byte[] b = in.readNBytes(length);
      if (b.length != length) {
        throw new WeightsException(name + ": storage '" + s.key() + "' of tensor '" + key + "' ends early");
      }
      return b;
    } catch (IOException e) {
      throw new WeightsException(name + ": cannot read storage '" + s.key() + "' of tensor '" + key + "': "
          + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    closeQuietly(zip);
  }

  @Override
  public String toString() {
    return "TorchCheckpoint[" + path + ", " + tensors.size() + " tensors]";
  }
}
