package dev.vidgen.weights;

import dev.vidgen.api.WeightsException;
import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A restricted unpickler for the {@code data.pkl} that {@code torch.save} writes for a state dict. It is a data
 * reader, not a Python: it knows the opcodes of pickle protocols 2 to 5 that build plain values (ints, floats,
 * strings, bytes, tuples, lists, dicts, memo references) and exactly the globals a state dict needs ({@link
 * #ALLOWED_GLOBALS}); every other opcode or global is refused with an error naming the file, the byte offset and
 * what was refused. A {@code REDUCE} never calls anything: each allowed global has a fixed Java meaning (an empty
 * ordered dict, a tensor reference). Nothing in the file can make this class run code, open files or allocate more
 * than a constant times the file's size.
 *
 * <p>Format reference: CPython {@code Lib/pickletools.py} (opcode table) and PyTorch {@code torch/serialization.py}
 * ({@code _save}: the persistent id {@code ('storage', storage_type, key, location, numel)} per storage) and {@code
 * torch/_utils.py} ({@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
 * backward_hooks[, metadata])}).
 */
final class PickleReader {
  /** The storage classes torch.save names, with the element type each holds. */
  static final Map<String, TensorDType> STORAGE_TYPES = Map.ofEntries(
      Map.entry("torch.FloatStorage", TensorDType.F32), Map.entry("torch.HalfStorage", TensorDType.F16),
      Map.entry("torch.BFloat16Storage", TensorDType.BF16), Map.entry("torch.DoubleStorage", TensorDType.F64),
      Map.entry("torch.LongStorage", TensorDType.I64), Map.entry("torch.IntStorage", TensorDType.I32),
      Map.entry("torch.ShortStorage", TensorDType.I16), Map.entry("torch.CharStorage", TensorDType.I8),
      Map.entry("torch.ByteStorage", TensorDType.U8), Map.entry("torch.BoolStorage", TensorDType.BOOL));

  static final String ORDERED_DICT = "collections.OrderedDict";
  static final String REBUILD_TENSOR_V2 = "torch._utils._rebuild_tensor_v2";
  static final String REBUILD_TENSOR = "torch._utils._rebuild_tensor";
  static final String REBUILD_PARAMETER = "torch._utils._rebuild_parameter";

  /** Every global this reader accepts; anything else (os.system, builtins.eval, ...) is refused. */
  static final Set<String> ALLOWED_GLOBALS;

  static {
    java.util.TreeSet<String> all = new java.util.TreeSet<>(STORAGE_TYPES.keySet());
    all.addAll(List.of(ORDERED_DICT, REBUILD_TENSOR_V2, REBUILD_TENSOR, REBUILD_PARAMETER));
    ALLOWED_GLOBALS = java.util.Collections.unmodifiableSet(all);
  }

  /** Longest GLOBAL module or name line accepted (real ones are under 40 characters). */
  private static final int MAX_GLOBAL_LINE = 256;
  /** Deepest tensor rank accepted. */
  private static final int MAX_RANK = 64;

  /** A global the pickle named, allowed by {@link #ALLOWED_GLOBALS}. */
  record Global(String qualifiedName) {}

  /** A Python tuple. Identity semantics (never used as a hash key, so cyclic contents cannot recurse). */
  static final class Tuple {
    final List<Object> items;

    Tuple(List<Object> items) {
      this.items = items;
    }
  }

  /** A Python list or dict being built; identity semantics for the same reason. */
  static final class PyList {
    final List<Object> items = new ArrayList<>();
  }

  /** A dict (plain or OrderedDict); keys are restricted to scalars. */
  static final class PyDict {
    final Map<Object, Object> items = new LinkedHashMap<>();
  }

  /** What a persistent id names: one storage of the archive. */
  record StorageRef(TensorDType dtype, String key, long numel) {}

  /** A tensor view of a storage, as {@code _rebuild_tensor_v2} describes it. */
  record TensorRef(StorageRef storage, long offset, long[] shape, long[] stride) {}

  private final byte[] data;
  private final String file;
  private int pos;
  private final List<Object> stack = new ArrayList<>();
  private final List<Integer> marks = new ArrayList<>();
  private final Map<Long, Object> memo = new HashMap<>();

  private PickleReader(byte[] data, String file) {
    this.data = data;
    this.file = file;
  }

  /**
   * Reads one pickle.
   *
   * @param file the name used in error messages, e.g. {@code unet/diffusion_pytorch_model.bin (archive/data.pkl)}
   * @return the top-level value: {@link PyDict}, {@link PyList}, {@link Tuple}, {@link TensorRef}, String, Long,
   *     BigInteger, Double, Boolean, byte[] or null
   */
  static Object read(byte[] data, String file) {
    return new PickleReader(data, file).run();
  }

  private WeightsException bad(int at, String what) {
    return new WeightsException(file + ": " + what + " (pickle byte " + at + "); vidgen reads only the plain state "
        + "dicts torch.save writes and never runs code from a checkpoint");
  }

  private Object run() {
    while (true) {
      if (pos >= data.length) {
        throw bad(pos, "pickle ends without STOP (truncated file)");
      }
      int at = pos;
      int op = data[pos++] & 0xff;
      switch (op) {
        case 0x80 -> { // PROTO
          int v = u8();
          if (v < 2 || v > 5) {
            throw bad(at, "pickle protocol " + v + " is not one torch.save writes (2 to 5 accepted)");
          }
        }
        case 0x95 -> skip(8); // FRAME: a length hint only
        case 'c' -> push(global(at, line(), line()));
        case 0x93 -> { // STACK_GLOBAL
          Object name = pop(at);
          Object module = pop(at);
          if (!(module instanceof String m) || !(name instanceof String n)) {
            throw bad(at, "STACK_GLOBAL needs two strings, got " + type(module) + " and " + type(name));
          }
          push(global(at, m, n));
        }
        case 'q' -> memoPut(at, u8());
        case 'r' -> memoPut(at, u32());
        case 0x94 -> memoPut(at, memo.size()); // MEMOIZE
        case 'h' -> push(memoGet(at, u8()));
        case 'j' -> push(memoGet(at, u32()));
        case '(' -> marks.add(stack.size());
        case '}' -> push(new PyDict());
        case ']' -> push(new PyList());
        case ')' -> push(new Tuple(List.of()));
        case 't' -> push(new Tuple(popToMark(at)));
        case 0x85 -> push(tupleOf(at, 1));
        case 0x86 -> push(tupleOf(at, 2));
        case 0x87 -> push(tupleOf(at, 3));
        case 'J' -> push((long) i32());
        case 'K' -> push((long) u8());
        case 'M' -> push((long) (u8() | (u8() << 8)));
        case 0x8a -> push(longN(at, u8()));
        case 0x8b -> push(longN(at, i32()));
        case 'X' -> push(utf8(at, u32()));
        case 0x8c -> push(utf8(at, u8()));
        case 0x8d -> push(utf8(at, u64(at)));
        case 'B' -> push(bytes(at, u32()));
        case 'C' -> push(bytes(at, u8()));
        case 0x8e -> push(bytes(at, u64(at)));
        case 'T' -> push(latin1(at, i32()));
        case 'U' -> push(latin1(at, u8()));
        case 0x88 -> push(Boolean.TRUE);
        case 0x89 -> push(Boolean.FALSE);
        case 'N' -> push(null);
        case 'G' -> push(Double.longBitsToDouble(bigEndianLong(at)));
        case 'R' -> reduce(at);
        case 'b' -> build(at);
        case 's' -> {
          Object value = pop(at);
          Object key = pop(at);
          dictAt(at, stack.size() - 1).items.put(checkKey(at, key), value);
        }
        case 'u' -> {
          List<Object> items = popToMark(at);
          if (items.size() % 2 != 0) {
            throw bad(at, "SETITEMS with an odd number of items (" + items.size() + ")");
          }
          PyDict d = dictAt(at, stack.size() - 1);
          for (int i = 0; i < items.size(); i += 2) {
            d.items.put(checkKey(at, items.get(i)), items.get(i + 1));
          }
        }
        case 'a' -> {
          Object value = pop(at);
          listAt(at, stack.size() - 1).items.add(value);
        }
        case 'e' -> {
          List<Object> items = popToMark(at);
          listAt(at, stack.size() - 1).items.addAll(items);
        }
        case 'Q' -> push(persistentLoad(at, pop(at)));
        case '0' -> pop(at); // POP
        case '2' -> push(peek(at)); // DUP
        case '1' -> popToMark(at); // POP_MARK
        case '.' -> {
          if (stack.size() != 1 || !marks.isEmpty()) {
            throw bad(at, "STOP with " + stack.size() + " values on the stack and " + marks.size()
                + " open marks (expected exactly one value)");
          }
          return stack.get(0);
        }
        default -> throw bad(at, "refused pickle opcode " + opcodeName(op));
      }
    }
  }

  private Object global(int at, String module, String name) {
    String qualified = module + "." + name;
    if (!ALLOWED_GLOBALS.contains(qualified)) {
      throw new WeightsException(file + ": refused global '" + printable(qualified) + "' (pickle byte " + at
          + "): vidgen's checkpoint reader never imports or calls anything from a file and accepts only the globals "
          + "torch.save writes for state dicts " + ALLOWED_GLOBALS + ". Nothing was executed.");
    }
    return new Global(qualified);
  }

  private void reduce(int at) {
    Object args = pop(at);
    Object callable = pop(at);
    if (!(callable instanceof Global g)) {
      throw bad(at, "REDUCE on a " + type(callable) + "; only the allowed globals can be applied");
    }
    if (!(args instanceof Tuple t)) {
      throw bad(at, "REDUCE of " + g.qualifiedName() + " needs an argument tuple, got " + type(args));
    }
    List<Object> a = t.items;
    switch (g.qualifiedName()) {
      case ORDERED_DICT -> {
        if (!a.isEmpty()) {
          throw bad(at, "collections.OrderedDict applied to " + a.size() + " argument(s); torch.save builds it "
              + "empty and fills it with SETITEMS");
        }
        push(new PyDict());
      }
      case REBUILD_TENSOR_V2, REBUILD_TENSOR -> push(tensor(at, g.qualifiedName(), a));
      case REBUILD_PARAMETER -> {
        if (a.size() != 3 || !(a.get(0) instanceof TensorRef tensor) || !(a.get(1) instanceof Boolean)) {
          throw bad(at, REBUILD_PARAMETER + " needs (tensor, requires_grad, backward_hooks), got " + types(a));
        }
        requireEmptyHooks(at, a.get(2));
        push(tensor);
      }
      default -> throw bad(at, g.qualifiedName() + " cannot be applied (it is a storage type, used only inside "
          + "persistent ids)");
    }
  }

  private TensorRef tensor(int at, String fn, List<Object> a) {
    boolean v2 = fn.equals(REBUILD_TENSOR_V2);
    if (v2 ? a.size() != 6 && a.size() != 7 : a.size() != 4) {
      throw bad(at, fn + " needs " + (v2 ? "6 or 7" : "4") + " arguments, got " + a.size());
    }
    if (!(a.get(0) instanceof StorageRef storage)) {
      throw bad(at, fn + ": argument 1 must be a storage (persistent id), got " + type(a.get(0)));
    }
    long offset = nonNegative(at, fn + " storage_offset", a.get(1));
    long[] shape = ints(at, fn + " size", a.get(2));
    long[] stride = ints(at, fn + " stride", a.get(3));
    if (shape.length != stride.length) {
      throw bad(at, fn + ": size has " + shape.length + " dimensions but stride has " + stride.length);
    }
    if (v2) {
      if (!(a.get(4) instanceof Boolean)) {
        throw bad(at, fn + ": requires_grad must be a bool, got " + type(a.get(4)));
      }
      requireEmptyHooks(at, a.get(5));
      if (a.size() == 7 && a.get(6) != null && !(a.get(6) instanceof PyDict)) {
        throw bad(at, fn + ": metadata must be None or a dict, got " + type(a.get(6)));
      }
    }
    long numel = 1;
    long last = offset; // index of the last element the view touches
    try {
      for (int i = 0; i < shape.length; i++) {
        numel = Math.multiplyExact(numel, shape[i]);
      }
      if (numel > 0) {
        for (int i = 0; i < shape.length; i++) {
          last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, stride[i]));
        }
      }
    } catch (ArithmeticException e) {
      throw bad(at, fn + ": size " + java.util.Arrays.toString(shape) + " with stride "
          + java.util.Arrays.toString(stride) + " overflows");
    }
    if (numel > 0 && last >= storage.numel()) {
      throw bad(at, fn + ": a view of size " + java.util.Arrays.toString(shape) + ", stride "
          + java.util.Arrays.toString(stride) + " at offset " + offset + " reaches element " + last
          + " of storage '" + printable(storage.key()) + "', which holds " + storage.numel());
    }
    return new TensorRef(storage, offset, shape, stride);
  }

  private void requireEmptyHooks(int at, Object hooks) {
    if (!(hooks instanceof PyDict d) || !d.items.isEmpty()) {
      throw bad(at, "backward_hooks must be an empty OrderedDict, got " + type(hooks)
          + (hooks instanceof PyDict d2 ? " with " + d2.items.size() + " entries" : ""));
    }
  }

  private long[] ints(int at, String what, Object v) {
    if (!(v instanceof Tuple t)) {
      throw bad(at, what + " must be a tuple of ints, got " + type(v));
    }
    if (t.items.size() > MAX_RANK) {
      throw bad(at, what + " has " + t.items.size() + " dimensions (at most " + MAX_RANK + ")");
    }
    long[] out = new long[t.items.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = nonNegative(at, what + "[" + i + "]", t.items.get(i));
    }
    return out;
  }

  private long nonNegative(int at, String what, Object v) {
    if (!(v instanceof Long l) || l < 0) {
      throw bad(at, what + " must be a non-negative int, got " + (v instanceof Long ? v.toString() : type(v)));
    }
    return l;
  }

  private Object persistentLoad(int at, Object pid) {
    // torch/serialization.py _save: ('storage', storage_type, key, location, numel)
    if (!(pid instanceof Tuple t) || t.items.size() != 5 || !"storage".equals(t.items.get(0))) {
      throw bad(at, "persistent id must be ('storage', storage_type, key, location, numel), got "
          + (pid instanceof Tuple t2 ? "a tuple of " + types(t2.items) : type(pid)));
    }
    List<Object> a = t.items;
    if (!(a.get(1) instanceof Global g) || !STORAGE_TYPES.containsKey(g.qualifiedName())) {
      throw bad(at, "persistent id names storage type " + (a.get(1) instanceof Global g2 ? g2.qualifiedName()
          : type(a.get(1))) + "; known: " + new java.util.TreeSet<>(STORAGE_TYPES.keySet()));
    }
    if (!(a.get(2) instanceof String key) || key.isEmpty() || key.length() > 64
        || !key.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
            || c == '_')) {
      throw bad(at, "storage key must be a short name of letters and digits (the archive's data/<key> entry), got "
          + (a.get(2) instanceof String s ? "'" + printable(s) + "'" : type(a.get(2))));
    }
    if (!(a.get(3) instanceof String)) {
      throw bad(at, "storage location must be a string such as 'cpu', got " + type(a.get(3)));
    }
    long numel = nonNegative(at, "storage numel", a.get(4));
    return new StorageRef(STORAGE_TYPES.get(g.qualifiedName()), key, numel);
  }

  private void build(int at) {
    Object state = pop(at);
    Object target = peek(at);
    // An OrderedDict state dict carries its `_metadata` (per-module versions) as instance state; it does not affect
    // the tensors, so it is checked for type and dropped.
    if (!(target instanceof PyDict) || state != null && !(state instanceof PyDict)) {
      throw bad(at, "BUILD of a " + type(target) + " with " + type(state) + " state; only an OrderedDict's "
          + "attribute dict is accepted");
    }
  }

  private Object checkKey(int at, Object key) {
    if (key == null || key instanceof String || key instanceof Long || key instanceof BigInteger
        || key instanceof Boolean || key instanceof Double) {
      return key;
    }
    throw bad(at, "dict key of type " + type(key) + " (only strings and numbers are accepted)");
  }

  private PyDict dictAt(int at, int index) {
    Object o = index >= 0 && index < stack.size() && (marks.isEmpty() || index >= last(marks)) ? stack.get(index)
        : null;
    if (!(o instanceof PyDict d)) {
      throw bad(at, "SETITEM(S) on a " + type(o) + ", not a dict");
    }
    return d;
  }

  private PyList listAt(int at, int index) {
    Object o = index >= 0 && index < stack.size() && (marks.isEmpty() || index >= last(marks)) ? stack.get(index)
        : null;
    if (!(o instanceof PyList l)) {
      throw bad(at, "APPEND(S) on a " + type(o) + ", not a list");
    }
    return l;
  }

  private static int last(List<Integer> l) {
    return l.get(l.size() - 1);
  }

  private Tuple tupleOf(int at, int n) {
    if (stack.size() - (marks.isEmpty() ? 0 : last(marks)) < n) {
      throw bad(at, "TUPLE" + n + " with fewer than " + n + " values on the stack");
    }
    List<Object> items = new ArrayList<>(stack.subList(stack.size() - n, stack.size()));
    stack.subList(stack.size() - n, stack.size()).clear();
    return new Tuple(java.util.Collections.unmodifiableList(items));
  }

  private List<Object> popToMark(int at) {
    if (marks.isEmpty()) {
      throw bad(at, "no MARK to pop to");
    }
    int m = marks.remove(marks.size() - 1);
    List<Object> items = new ArrayList<>(stack.subList(m, stack.size()));
    stack.subList(m, stack.size()).clear();
    return java.util.Collections.unmodifiableList(items);
  }

  private void push(Object o) {
    stack.add(o);
  }

  private Object pop(int at) {
    if (stack.isEmpty() || !marks.isEmpty() && stack.size() <= last(marks)) {
      throw bad(at, "stack underflow");
    }
    return stack.remove(stack.size() - 1);
  }

  private Object peek(int at) {
    if (stack.isEmpty() || !marks.isEmpty() && stack.size() <= last(marks)) {
      throw bad(at, "stack underflow");
    }
    return stack.get(stack.size() - 1);
  }

  private void memoPut(int at, long index) {
    if (index < 0 || memo.size() > data.length) {
      throw bad(at, "memo index " + index + " out of range");
    }
    memo.put(index, peek(at));
  }

  private Object memoGet(int at, long index) {
    if (!memo.containsKey(index)) {
      throw bad(at, "memo index " + index + " was never stored");
    }
    return memo.get(index);
  }

  private void need(long n) {
    if (n < 0 || n > data.length - pos) {
      throw bad(pos, "a value of " + n + " bytes runs past the end of the pickle (" + (data.length - pos)
          + " bytes left)");
    }
  }

  private void skip(int n) {
    need(n);
    pos += n;
  }

  private int u8() {
    need(1);
    return data[pos++] & 0xff;
  }

  private int i32() {
    need(4);
    int v = (data[pos] & 0xff) | (data[pos + 1] & 0xff) << 8 | (data[pos + 2] & 0xff) << 16 | data[pos + 3] << 24;
    pos += 4;
    return v;
  }

  private long u32() {
    return i32() & 0xffffffffL;
  }

  private long u64(int at) {
    need(8);
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = v << 8 | (data[pos + i] & 0xff);
    }
    pos += 8;
    if (v < 0) {
      throw bad(at, "length " + Long.toUnsignedString(v) + " is too large");
    }
    return v;
  }

  private long bigEndianLong(int at) {
    need(8);
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = v << 8 | (data[pos + i] & 0xff);
    }
    pos += 8;
    return v;
  }

  private byte[] take(long n) {
    need(n);
    byte[] b = java.util.Arrays.copyOfRange(data, pos, pos + (int) n);
    pos += (int) n;
    return b;
  }

  private Object longN(int at, long n) {
    if (n < 0) {
      throw bad(at, "LONG4 with negative length " + n);
    }
    if (n > 64) {
      throw bad(at, "an integer of " + n + " bytes (a state dict needs at most 8)");
    }
    byte[] le = take(n);
    if (n == 0) {
      return 0L;
    }
    byte[] be = new byte[le.length];
    for (int i = 0; i < le.length; i++) {
      be[i] = le[le.length - 1 - i];
    }
    BigInteger v = new BigInteger(be);
    return v.bitLength() < 64 ? (Object) v.longValue() : v;
  }

  private String utf8(int at, long n) {
    byte[] b = take(n);
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException e) {
      throw bad(at, "string is not valid UTF-8");
    }
  }

  private String latin1(int at, long n) {
    if (n < 0) {
      throw bad(at, "string with negative length " + n);
    }
    return new String(take(n), StandardCharsets.ISO_8859_1);
  }

  private byte[] bytes(int at, long n) {
    return take(n);
  }

  private String line() {
    int start = pos;
    while (pos < data.length && data[pos] != '\n') {
      if (pos - start >= MAX_GLOBAL_LINE) {
        throw bad(start, "GLOBAL name longer than " + MAX_GLOBAL_LINE + " bytes");
      }
      pos++;
    }
    if (pos >= data.length) {
      throw bad(start, "GLOBAL name without its newline (truncated)");
    }
    String s = new String(data, start, pos - start, StandardCharsets.UTF_8);
    pos++;
    return s;
  }

  /** For messages: a value's Python-ish type, never its contents (which may be huge or cyclic). */
  static String type(Object o) {
    if (o == null) {
      return "None";
    }
    if (o instanceof Global g) {
      return "global " + g.qualifiedName();
    }
    if (o instanceof Tuple t) {
      return "tuple of " + t.items.size();
    }
    if (o instanceof PyList) {
      return "list";
    }
    if (o instanceof PyDict) {
      return "dict";
    }
    if (o instanceof StorageRef) {
      return "storage";
    }
    if (o instanceof TensorRef) {
      return "tensor";
    }
    if (o instanceof String) {
      return "str";
    }
    if (o instanceof Long || o instanceof BigInteger) {
      return "int";
    }
    if (o instanceof Double) {
      return "float";
    }
    if (o instanceof Boolean) {
      return "bool";
    }
    if (o instanceof byte[]) {
      return "bytes";
    }
    return o.getClass().getSimpleName();
  }

  private static String types(List<Object> items) {
    List<String> t = new ArrayList<>();
    for (Object o : items) {
      t.add(type(o));
    }
    return t.toString();
  }

  /** A name from the file, made safe to print (control characters escaped, length capped). */
  static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && i < 120; i++) {
      char c = s.charAt(i);
      b.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
    }
    return s.length() > 120 ? b + "..." : b.toString();
  }

  private static String opcodeName(int op) {
    String name = switch (op) {
      case 'i' -> "INST";
      case 'o' -> "OBJ";
      case 0x81 -> "NEWOBJ";
      case 0x92 -> "NEWOBJ_EX";
      case 0x82, 0x83, 0x84 -> "EXT";
      case 'P' -> "PERSID";
      case 'I' -> "INT";
      case 'L' -> "LONG";
      case 'S' -> "STRING";
      case 'V' -> "UNICODE";
      case 'F' -> "FLOAT";
      case 'p' -> "PUT";
      case 'g' -> "GET";
      case 'd' -> "DICT";
      case 'l' -> "LIST";
      case 0x8f -> "EMPTY_SET";
      case 0x90 -> "ADDITEMS";
      case 0x91 -> "FROZENSET";
      case 0x96 -> "BYTEARRAY8";
      case 0x97 -> "NEXT_BUFFER";
      case 0x98 -> "READONLY_BUFFER";
      default -> "unknown";
    };
    return String.format("0x%02x (%s)", op, name);
  }
}
