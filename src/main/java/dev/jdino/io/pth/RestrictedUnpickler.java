package dev.jdino.io.pth;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BinaryOperator;
import java.util.function.Function;

/**
 * Reads the pickle of a {@code torch.save} file without running it. A pickle is a program for a
 * stack machine whose instructions may import and call any Python function; this reader implements
 * only the instructions that build data (numbers, strings, lists, tuples, dicts) and knows exactly
 * five callables by name, none of which it calls: {@code torch._utils._rebuild_tensor_v2} becomes a
 * {@link PyTensor}, the {@code torch.*Storage} classes mark storage references, {@code
 * collections.OrderedDict} becomes a {@link PyDict}, {@code argparse.Namespace} (the {@code args}
 * of a DINO checkpoint) becomes a {@link PyNamespace}. Any other opcode or global is refused with
 * its name.
 *
 * <p>Resources are bounded by the input: every length is checked against the bytes left, integers
 * are limited to 32 bytes, and at most {@link #MAX_OBJECTS} values are created, so a hostile pickle
 * can neither run code nor exhaust memory. Nesting depth is not limited here (the machine is not
 * recursive); code that walks the result limits it.
 */
final class RestrictedUnpickler {
  /** Generous for a checkpoint (a ViT-B full checkpoint creates about 20,000). */
  static final int MAX_OBJECTS = 2_000_000;

  static final String ALLOWED =
      "a checkpoint may only use torch._utils._rebuild_tensor_v2, torch.*Storage,"
          + " collections.OrderedDict and argparse.Namespace";

  /** A global the pickle named: one of the few this reader knows. */
  enum Global {
    REBUILD_TENSOR_V2("torch._utils", "_rebuild_tensor_v2"),
    ORDERED_DICT("collections", "OrderedDict"),
    NAMESPACE("argparse", "Namespace"),
    STORAGE("torch", "*Storage");

    final String module;
    final String name;

    Global(String module, String name) {
      this.module = module;
      this.name = name;
    }
  }

  /** A storage class reference: {@code torch.FloatStorage} and its siblings. */
  record StorageClass(DType dtype) {}

  private static final Object MARK = new Object();

  private final byte[] in;
  private final Function<PyTuple, Object> persistentLoad;
  private final List<Object> stack = new ArrayList<>();
  private int[] marks = new int[16];
  private int markCount;
  private final Map<Long, Object> memo = new HashMap<>();
  private int pos;
  private int objects;

  private RestrictedUnpickler(byte[] in, Function<PyTuple, Object> persistentLoad) {
    this.in = in;
    this.persistentLoad = persistentLoad;
  }

  /**
   * Runs the data-only subset of the pickle machine over {@code pickle}.
   *
   * @param persistentLoad resolves a {@code BINPERSID} reference (a tuple) to a value
   */
  static Object load(byte[] pickle, Function<PyTuple, Object> persistentLoad) {
    return new RestrictedUnpickler(pickle, persistentLoad).run();
  }

  private Object run() {
    while (true) {
      if (pos >= in.length) {
        throw new PthFormatException("the pickle ends without its STOP opcode (truncated?)");
      }
      int at = pos;
      int op = in[pos++] & 0xFF;
      switch (op) {
        case 0x80 -> { // PROTO
          int proto = u8();
          if (proto > 5) {
            throw new PthFormatException("pickle protocol " + proto + " is unknown");
          }
        }
        case 0x95 -> { // FRAME: a length hint only
          long n = u64();
          if (n < 0 || n > in.length - pos) {
            throw new PthFormatException("a pickle frame of " + n + " bytes runs past its end");
          }
        }
        case '.' -> { // STOP
          if (stack.size() != 1 || markCount != 0) {
            throw new PthFormatException("the pickle stops with a malformed stack");
          }
          return stack.get(0);
        }
        case '(' -> pushMark();
        case '0' -> { // POP: the top item, or the innermost MARK when nothing lies above it
          if (stack.size() > floor()) {
            stack.remove(stack.size() - 1);
          } else {
            popMark();
          }
        }
        case '1' -> popToMark(); // POP_MARK
        case '2' -> push(peek(at)); // DUP
        case 'N' -> push(null);
        case 0x88 -> push(Boolean.TRUE);
        case 0x89 -> push(Boolean.FALSE);
        case 'J' -> push((long) s32());
        case 'K' -> push((long) u8());
        case 'M' -> push((long) u16());
        case 0x8A -> push(longOf(u8(), at)); // LONG1
        case 0x8B -> push(longOf(s32(), at)); // LONG4
        case 'G' -> push(Double.longBitsToDouble(ByteBuffer.wrap(take(8)).getLong()));
        case 'X' -> push(string(s32() & 0xFFFFFFFFL)); // BINUNICODE
        case 0x8C -> push(string(u8())); // SHORT_BINUNICODE
        case 0x8D -> push(string(lengthOf(u64()))); // BINUNICODE8
        case 'B' -> push(take(s32() & 0xFFFFFFFFL)); // BINBYTES
        case 'C' -> push(take(u8())); // SHORT_BINBYTES
        case 0x8E -> push(take(lengthOf(u64()))); // BINBYTES8
        case '}' -> push(new PyDict(false));
        case ']' -> push(new ArrayList<>());
        case ')' -> push(new PyTuple(List.of()));
        case 't' -> push(new PyTuple(popToMark()));
        case 0x85 -> push(tuple(1, at));
        case 0x86 -> push(tuple(2, at));
        case 0x87 -> push(tuple(3, at));
        case 'l' -> push(new ArrayList<>(popToMark()));
        case 'd' -> { // DICT
          PyDict d = new PyDict(false);
          putAll(d, popToMark(), at);
          push(d);
        }
        case 'a' -> { // APPEND
          Object v = pop(at);
          listAt(peek(at), at).add(v);
        }
        case 'e' -> { // APPENDS
          List<Object> items = popToMark();
          listAt(peek(at), at).addAll(items);
        }
        case 's' -> { // SETITEM
          Object v = pop(at);
          Object k = pop(at);
          putAll(dictAt(peek(at), at), Arrays.asList(k, v), at);
        }
        case 'u' -> { // SETITEMS
          List<Object> items = popToMark();
          putAll(dictAt(peek(at), at), items, at);
        }
        case 'q' -> memo.put((long) u8(), peek(at)); // BINPUT
        case 'r' -> memo.put(s32() & 0xFFFFFFFFL, peek(at)); // LONG_BINPUT
        case 0x94 -> memo.put((long) memo.size(), peek(at)); // MEMOIZE
        case 'h' -> push(memoGet(u8(), at)); // BINGET
        case 'j' -> push(memoGet(s32() & 0xFFFFFFFFL, at)); // LONG_BINGET
        case 'c' -> { // GLOBAL
          String module = line(at);
          String name = line(at);
          push(global(module, name, at));
        }
        case 0x93 -> pushOfTopTwo(at, (m, n) -> stackGlobal(m, n, at)); // STACK_GLOBAL
        case 'R' -> pushOfTopTwo(at, (callable, args) -> reduce(callable, args, at)); // REDUCE
        case 0x81 -> pushOfTopTwo(at, (cls, args) -> newObject(cls, args, at)); // NEWOBJ
        case 'b' -> { // BUILD
          Object state = pop(at);
          build(peek(at), state, at);
        }
        case 'Q' -> { // BINPERSID
          Object pid = pop(at);
          if (!(pid instanceof PyTuple t)) {
            throw new PthFormatException(
                "BINPERSID at byte " + at + " with a " + typeName(pid) + ", expected a tuple");
          }
          push(persistentLoad.apply(t));
        }
        default ->
            throw new PthFormatException(
                "pickle opcode "
                    + opName(op)
                    + " at byte "
                    + at
                    + " is not allowed (only data opcodes are; "
                    + ALLOWED
                    + ")");
      }
    }
  }

  // ------------------------------------------------------------------------ callables

  private Object global(String module, String name, int at) {
    if (module.equals("torch._utils") && name.equals("_rebuild_tensor_v2")) {
      return Global.REBUILD_TENSOR_V2;
    }
    if (module.equals("collections") && name.equals("OrderedDict")) {
      return Global.ORDERED_DICT;
    }
    if (module.equals("argparse") && name.equals("Namespace")) {
      return Global.NAMESPACE;
    }
    if (module.equals("torch") && DType.ofStorageClass(name).isPresent()) {
      return new StorageClass(DType.ofStorageClass(name).get());
    }
    throw new PthFormatException(
        "the pickle imports "
            + printable(module)
            + "."
            + printable(name)
            + " (GLOBAL at byte "
            + at
            + "), which is not allowed: "
            + ALLOWED);
  }

  private Object stackGlobal(Object module, Object name, int at) {
    if (!(module instanceof String m) || !(name instanceof String n)) {
      throw new PthFormatException(
          "STACK_GLOBAL at byte " + at + " with a module or name that is not a string");
    }
    return global(m, n, at);
  }

  private Object reduce(Object callable, Object args, int at) {
    PyTuple a = argsOf(args, callable, at);
    if (callable == Global.REBUILD_TENSOR_V2) {
      return rebuildTensor(a, at);
    }
    if (callable == Global.ORDERED_DICT || callable == Global.NAMESPACE) {
      return newObject(callable, args, at);
    }
    throw new PthFormatException(
        "REDUCE at byte "
            + at
            + " calls "
            + describe(callable)
            + ", which is not allowed: "
            + ALLOWED);
  }

  private Object newObject(Object cls, Object args, int at) {
    PyTuple a = argsOf(args, cls, at);
    if (cls == Global.ORDERED_DICT || cls == Global.NAMESPACE) {
      if (a.size() != 0) {
        throw new PthFormatException(
            describe(cls) + " at byte " + at + " is created with arguments; expected none");
      }
      return cls == Global.ORDERED_DICT ? new PyDict(true) : new PyNamespace();
    }
    throw new PthFormatException(
        "NEWOBJ at byte "
            + at
            + " creates "
            + describe(cls)
            + ", which is not allowed: "
            + ALLOWED);
  }

  private void build(Object target, Object state, int at) {
    if (!(state instanceof PyDict d)) {
      throw new PthFormatException(
          "BUILD at byte " + at + " with a " + typeName(state) + " state; expected a dict");
    }
    if (target instanceof PyNamespace ns) {
      for (Map.Entry<Object, Object> e : d.entrySet()) {
        if (!(e.getKey() instanceof String k)) {
          throw new PthFormatException("argparse.Namespace field that is not a string at " + at);
        }
        ns.set(k, e.getValue());
      }
      return;
    }
    if (target instanceof PyDict od && od.ordered()) {
      // state_dict() tags its OrderedDict with a _metadata attribute (module versions); the
      // tensors do not depend on it, so it is read and dropped.
      return;
    }
    throw new PthFormatException(
        "BUILD at byte "
            + at
            + " sets the state of a "
            + typeName(target)
            + ", which is not allowed: "
            + ALLOWED);
  }

  /**
   * {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
   * backward_hooks[, metadata])} as written by torch.save (torch/_utils.py).
   */
  private PyTensor rebuildTensor(PyTuple a, int at) {
    if (a.size() != 6 && a.size() != 7) {
      throw new PthFormatException(
          "_rebuild_tensor_v2 at byte " + at + " with " + a.size() + " arguments, expected 6");
    }
    if (!(a.get(0) instanceof Storage storage)) {
      throw new PthFormatException(
          "_rebuild_tensor_v2 at byte " + at + " without a storage reference");
    }
    long offset = integer(a.get(1), "storage offset", at);
    long[] size = longs(a.get(2), "size", at);
    long[] stride = longs(a.get(3), "stride", at);
    if (!(a.get(4) instanceof Boolean)) {
      throw new PthFormatException("_rebuild_tensor_v2 at byte " + at + ": requires_grad");
    }
    if (!(a.get(5) instanceof PyDict hooks) || !hooks.isEmpty()) {
      throw new PthFormatException(
          "_rebuild_tensor_v2 at byte " + at + " with backward hooks; expected none");
    }
    if (a.size() == 7 && (!(a.get(6) instanceof PyDict meta) || !meta.isEmpty())) {
      throw new PthFormatException(
          "_rebuild_tensor_v2 at byte " + at + " with tensor metadata; expected none");
    }
    try {
      return new PyTensor(storage, offset, size, stride);
    } catch (IllegalArgumentException e) {
      throw new PthFormatException(e.getMessage());
    }
  }

  private static long integer(Object o, String what, int at) {
    if (o instanceof Long l) {
      return l;
    }
    throw wrongType(o, what, "an integer", at);
  }

  /** {@code what}, an argument of {@code _rebuild_tensor_v2}, is {@code o}, not as expected. */
  private static PthFormatException wrongType(Object o, String what, String expected, int at) {
    return new PthFormatException(
        "_rebuild_tensor_v2 at byte "
            + at
            + ": "
            + what
            + " is a "
            + typeName(o)
            + ", expected "
            + expected);
  }

  private static long[] longs(Object o, String what, int at) {
    if (!(o instanceof PyTuple t)) {
      throw wrongType(o, what, "a tuple", at);
    }
    if (t.size() > PyTensor.MAX_DIMS) {
      throw new PthFormatException(
          "_rebuild_tensor_v2 at byte " + at + ": " + t.size() + " dimensions");
    }
    long[] v = new long[t.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = integer(t.get(i), what, at);
    }
    return v;
  }

  private static PyTuple argsOf(Object args, Object callable, int at) {
    if (!(args instanceof PyTuple t)) {
      throw new PthFormatException(
          describe(callable)
              + " at byte "
              + at
              + " is given a "
              + typeName(args)
              + " as arguments, expected a tuple");
    }
    return t;
  }

  // ------------------------------------------------------------------------ containers

  private static List<Object> listAt(Object o, int at) {
    if (o instanceof ArrayList<?>) {
      @SuppressWarnings("unchecked")
      List<Object> l = (List<Object>) o;
      return l;
    }
    throw new PthFormatException("APPEND at byte " + at + " to a " + typeName(o));
  }

  private static PyDict dictAt(Object o, int at) {
    if (o instanceof PyDict d) {
      return d;
    }
    throw new PthFormatException("SETITEM at byte " + at + " on a " + typeName(o));
  }

  private static void putAll(PyDict d, List<Object> kv, int at) {
    if (kv.size() % 2 != 0) {
      throw new PthFormatException("dict items at byte " + at + " are not key-value pairs");
    }
    for (int i = 0; i < kv.size(); i += 2) {
      d.put(key(kv.get(i), at), kv.get(i + 1));
    }
  }

  /** Dict keys must be immutable values (what Python can hash among what this reader makes). */
  private static Object key(Object k, int at) {
    if (k == null
        || k instanceof String
        || k instanceof Long
        || k instanceof BigInteger
        || k instanceof Double
        || k instanceof Boolean) {
      return k;
    }
    if (k instanceof PyTuple t) {
      for (Object o : t.items()) {
        key(o, at);
      }
      return k;
    }
    throw new PthFormatException("a dict key at byte " + at + " is a " + typeName(k));
  }

  private PyTuple tuple(int n, int at) {
    if (stack.size() - floor() < n) {
      throw new PthFormatException("TUPLE" + n + " at byte " + at + " on a short stack");
    }
    List<Object> items = new ArrayList<>(stack.subList(stack.size() - n, stack.size()));
    for (int i = 0; i < n; i++) {
      stack.remove(stack.size() - 1);
    }
    return new PyTuple(items);
  }

  // ------------------------------------------------------------------------ stack and memo

  private void push(Object o) {
    if (++objects > MAX_OBJECTS) {
      throw new PthFormatException("the pickle creates more than " + MAX_OBJECTS + " values");
    }
    stack.add(o);
  }

  private int floor() {
    return markCount == 0 ? 0 : marks[markCount - 1];
  }

  /**
   * The opcodes that replace the top two items by one (STACK_GLOBAL, REDUCE, NEWOBJ): pops {@code
   * top}, then {@code below}, and pushes {@code f(below, top)}, the operands in pickle.py's order.
   */
  private void pushOfTopTwo(int at, BinaryOperator<Object> f) {
    Object top = pop(at);
    Object below = pop(at);
    push(f.apply(below, top));
  }

  private Object pop(int at) {
    if (stack.size() <= floor()) {
      throw new PthFormatException("the pickle pops an empty stack at byte " + at);
    }
    return stack.remove(stack.size() - 1);
  }

  private Object peek(int at) {
    if (stack.size() <= floor()) {
      throw new PthFormatException("the pickle reads an empty stack at byte " + at);
    }
    return stack.get(stack.size() - 1);
  }

  private void pushMark() {
    if (markCount == marks.length) {
      marks = Arrays.copyOf(marks, marks.length * 2);
    }
    marks[markCount++] = stack.size();
  }

  private int popMark() {
    if (markCount == 0) {
      throw new PthFormatException("the pickle closes a MARK it never opened");
    }
    return marks[--markCount];
  }

  private List<Object> popToMark() {
    int m = popMark();
    List<Object> items = new ArrayList<>(stack.subList(m, stack.size()));
    stack.subList(m, stack.size()).clear();
    return items;
  }

  private Object memoGet(long index, int at) {
    if (!memo.containsKey(index)) {
      throw new PthFormatException("the pickle reads memo entry " + index + " (never stored)");
    }
    return memo.get(index);
  }

  // ------------------------------------------------------------------------ bytes

  private byte[] take(long n) {
    if (n < 0 || n > in.length - pos) {
      throw new PthFormatException(
          "the pickle needs "
              + n
              + " bytes at byte "
              + pos
              + " but has "
              + (in.length - pos)
              + " left (truncated or corrupt)");
    }
    byte[] b = Arrays.copyOfRange(in, pos, pos + (int) n);
    pos += (int) n;
    return b;
  }

  private int u8() {
    return take(1)[0] & 0xFF;
  }

  private int u16() {
    byte[] b = take(2);
    return (b[0] & 0xFF) | (b[1] & 0xFF) << 8;
  }

  private int s32() {
    byte[] b = take(4);
    return (b[0] & 0xFF) | (b[1] & 0xFF) << 8 | (b[2] & 0xFF) << 16 | (b[3] & 0xFF) << 24;
  }

  private long u64() {
    byte[] b = take(8);
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = v << 8 | (b[i] & 0xFF);
    }
    return v;
  }

  private static long lengthOf(long n) {
    return n < 0 ? Long.MAX_VALUE : n;
  }

  /** A little-endian two's-complement integer (LONG1/LONG4). */
  private Object longOf(int n, int at) {
    if (n < 0 || n > 32) {
      throw new PthFormatException(
          "an integer of " + (n & 0xFFFFFFFFL) + " bytes at byte " + at + " (at most 32 read)");
    }
    byte[] le = take(n);
    if (n == 0) {
      return 0L;
    }
    byte[] be = new byte[n];
    for (int i = 0; i < n; i++) {
      be[i] = le[n - 1 - i];
    }
    BigInteger v = new BigInteger(be);
    return v.bitLength() < 64 ? (Object) v.longValue() : v;
  }

  private String string(long n) {
    byte[] b = take(n);
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b))
          .toString();
    } catch (CharacterCodingException e) {
      throw new PthFormatException("a pickled string at byte " + pos + " is not UTF-8");
    }
  }

  /** A newline-terminated name of GLOBAL (at most 256 bytes). */
  private String line(int at) {
    int end = pos;
    while (end < in.length && in[end] != '\n' && end - pos < 256) {
      end++;
    }
    if (end >= in.length || in[end] != '\n') {
      throw new PthFormatException("GLOBAL at byte " + at + " with an unterminated name");
    }
    String s = new String(in, pos, end - pos, StandardCharsets.ISO_8859_1);
    pos = end + 1;
    return s;
  }

  // ------------------------------------------------------------------------ messages

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      b.append(c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\x%02x", (int) c));
      if (b.length() > 80) {
        return b + "...";
      }
    }
    return b.toString();
  }

  private static String describe(Object o) {
    if (o instanceof Global g) {
      return g.module + "." + g.name;
    }
    if (o instanceof StorageClass s) {
      return "torch." + s.dtype().storageClass();
    }
    return "a " + typeName(o);
  }

  static String typeName(Object o) {
    if (o == null) {
      return "None";
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
    if (o instanceof PyTuple) {
      return "tuple";
    }
    if (o instanceof List) {
      return "list";
    }
    if (o instanceof PyDict d) {
      return d.ordered() ? "OrderedDict" : "dict";
    }
    if (o instanceof PyNamespace) {
      return "argparse.Namespace";
    }
    if (o instanceof PyTensor) {
      return "tensor";
    }
    if (o instanceof Storage) {
      return "storage";
    }
    if (o instanceof Global || o instanceof StorageClass) {
      return describe(o);
    }
    return o.getClass().getSimpleName();
  }

  private static String opName(int op) {
    String name =
        switch (op) {
          case 'c' -> "GLOBAL";
          case 'i' -> "INST";
          case 'o' -> "OBJ";
          case 'P' -> "PERSID";
          case 'I' -> "INT";
          case 'L' -> "LONG";
          case 'F' -> "FLOAT";
          case 'S' -> "STRING";
          case 'V' -> "UNICODE";
          case 'T' -> "BINSTRING";
          case 'U' -> "SHORT_BINSTRING";
          case 'g' -> "GET";
          case 'p' -> "PUT";
          case 0x82 -> "EXT1";
          case 0x83 -> "EXT2";
          case 0x84 -> "EXT4";
          case 0x8F -> "EMPTY_SET";
          case 0x90 -> "ADDITEMS";
          case 0x91 -> "FROZENSET";
          case 0x92 -> "NEWOBJ_EX";
          case 0x96 -> "BYTEARRAY8";
          case 0x97 -> "NEXT_BUFFER";
          case 0x98 -> "READONLY_BUFFER";
          default -> "";
        };
    String hex = String.format(Locale.ROOT, "0x%02x", op);
    return name.isEmpty() ? hex : name + " (" + hex + ")";
  }
}
