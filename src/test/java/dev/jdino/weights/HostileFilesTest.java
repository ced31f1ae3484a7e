package dev.jdino.weights;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.io.BadInputException;
import dev.jdino.io.pth.HandMade;
import dev.jdino.io.pth.PthWriter;
import dev.jdino.io.pth.PyDict;
import dev.jdino.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files built to attack or break the reader: each is refused with a message that names the file and
 * what is wrong, and none crashes the reader or exhausts memory.
 */
class HostileFilesTest {
  @TempDir Path tmp;

  private Path ckpt(String name, byte[] pickle, Map<String, byte[]> storages) throws Exception {
    return HandMade.checkpoint(tmp.resolve(name), pickle, storages);
  }

  private Path ckpt(String name, byte[] pickle) throws Exception {
    return ckpt(name, pickle, Map.of("0", HandMade.floats(1, 2, 3, 4, 5, 6)));
  }

  private static String refused(Path file) {
    BadInputException e = assertThrows(BadInputException.class, () -> WeightFile.open(file));
    String m = e.getMessage();
    assertTrue(m.startsWith(file.toString() + ": "), "names the file: " + m);
    assertTrue(!m.contains("\n"), "one line: " + m);
    return m;
  }

  private static void contains(String message, String part) {
    assertTrue(message.contains(part), "expected '" + part + "' in: " + message);
  }

  @Test
  void aGlobalOfOsSystemIsRefusedBeforeAnythingRuns() throws Exception {
    byte[] p =
        HandMade.pickle()
            .global("os", "system")
            .str("touch /tmp/pwned")
            .op(0x85)
            .reduce()
            .stop()
            .bytes();
    String m = refused(ckpt("os.pth", p));
    contains(m, "imports os.system (GLOBAL at byte 2), which is not allowed");
    contains(m, "torch._utils._rebuild_tensor_v2");
  }

  @Test
  void stackGlobalOfEvalIsRefused() throws Exception {
    byte[] p = HandMade.pickle().str("builtins").str("eval").op(0x93).stop().bytes();
    contains(refused(ckpt("eval.pth", p)), "imports builtins.eval");
  }

  @Test
  void aModuleClassIsRefusedByName() throws Exception {
    // What torch.save(model) writes: the model's class, then its __dict__.
    byte[] p =
        HandMade.pickle()
            .global("torch.nn.modules.linear", "Linear")
            .emptyTuple()
            .op(0x81)
            .stop()
            .bytes();
    contains(refused(ckpt("model.pth", p)), "imports torch.nn.modules.linear.Linear");
  }

  @Test
  void reduceOfAnAllowedNameThatIsNoCallableIsRefused() throws Exception {
    byte[] p =
        HandMade.pickle().global("torch", "FloatStorage").emptyTuple().reduce().stop().bytes();
    contains(refused(ckpt("storage-call.pth", p)), "REDUCE at byte 23 calls torch.FloatStorage");
  }

  @Test
  void reduceOfAStringIsRefused() throws Exception {
    byte[] p = HandMade.pickle().str("os.system").emptyTuple().reduce().stop().bytes();
    contains(refused(ckpt("str-call.pth", p)), "calls a str, which is not allowed");
  }

  @Test
  void orderedDictWithArgumentsIsRefused() throws Exception {
    byte[] p =
        HandMade.pickle()
            .global("collections", "OrderedDict")
            .str("x")
            .op(0x85)
            .reduce()
            .stop()
            .bytes();
    contains(refused(ckpt("od-args.pth", p)), "created with arguments");
  }

  @Test
  void buildOnATensorIsRefused() throws Exception {
    byte[] p =
        HandMade.pickle()
            .tensor("FloatStorage", "0", 6, 0, new long[] {6}, new long[] {1})
            .emptyDict()
            .op('b')
            .stop()
            .bytes();
    contains(refused(ckpt("build.pth", p)), "BUILD at byte");
  }

  @Test
  void codeOpcodesAreRefusedByName() throws Exception {
    byte[] p = HandMade.pickle().mark().op('i').raw("os\nsystem\n".getBytes()).stop().bytes();
    contains(refused(ckpt("inst.pth", p)), "pickle opcode INST (0x69) at byte 3 is not allowed");
    byte[] ext = HandMade.pickle().op(0x82, 1).stop().bytes();
    contains(refused(ckpt("ext.pth", ext)), "EXT1 (0x82)");
    byte[] persid = HandMade.pickle().op('P').raw("0\n".getBytes()).stop().bytes();
    contains(refused(ckpt("persid.pth", persid)), "PERSID (0x50)");
  }

  @Test
  void hugeSizesAreRefused() throws Exception {
    long big = 1L << 40;
    byte[] p = HandMade.oneTensor("w", 6, 0, new long[] {big, big}, new long[] {big, 1});
    contains(refused(ckpt("huge.pth", p)), "overflow");
    byte[] q = HandMade.oneTensor("w", 6, 0, new long[] {1L << 31}, new long[] {1});
    contains(refused(ckpt("long.pth", q)), "reaches element 2147483647 of a storage of 6");
  }

  @Test
  void aStorageLargerThanItsRecordIsRefused() throws Exception {
    byte[] p = HandMade.oneTensor("w", 1L << 50, 0, new long[] {4}, new long[] {1});
    contains(
        refused(ckpt("bigstorage.pth", p)),
        "storage 0 declares 1125899906842624 float32 elements (4503599627370496 bytes) but its"
            + " record holds 24 bytes");
  }

  @Test
  void anOffsetPastTheStorageIsRefused() throws Exception {
    byte[] p = HandMade.oneTensor("w", 6, 10, new long[] {2}, new long[] {1});
    contains(refused(ckpt("offset.pth", p)), "reaches element 11 of a storage of 6");
    byte[] q = HandMade.oneTensor("w", 6, -1, new long[] {2}, new long[] {1});
    contains(refused(ckpt("negoffset.pth", q)), "negative storage offset -1");
  }

  @Test
  void negativeStridesAreRefused() throws Exception {
    byte[] p = HandMade.oneTensor("w", 6, 5, new long[] {6}, new long[] {-1});
    contains(refused(ckpt("stride.pth", p)), "negative stride -1");
  }

  @Test
  void stridesThatOverlapPastTheSizeAreRefused() throws Exception {
    byte[] p = HandMade.oneTensor("w", 6, 0, new long[] {3, 3}, new long[] {1, 1});
    contains(refused(ckpt("overlap.pth", p)), "9 elements but its storage holds only 6");
  }

  @Test
  void aMissingStorageRecordIsRefused() throws Exception {
    byte[] p =
        HandMade.pickle()
            .emptyDict()
            .mark()
            .str("w")
            .tensor("FloatStorage", "7", 6, 0, new long[] {6}, new long[] {1})
            .setItems()
            .stop()
            .bytes();
    contains(refused(ckpt("missing.pth", p)), "storage 7, but the zip has no record data/7");
  }

  @Test
  void aStorageKeyThatIsAPathIsRefused() throws Exception {
    byte[] p =
        HandMade.pickle()
            .emptyDict()
            .mark()
            .str("w")
            .tensor("FloatStorage", "../../etc/passwd", 6, 0, new long[] {6}, new long[] {1})
            .setItems()
            .stop()
            .bytes();
    contains(refused(ckpt("traversal.pth", p)), "storage key '../../etc/passwd' is not a record");
  }

  @Test
  void aTruncatedZipIsRefused() throws Exception {
    byte[] whole = Files.readAllBytes(Fixtures.path("pth/vit_flat.pth"));
    Path half = Files.write(tmp.resolve("half.pth"), Arrays.copyOf(whole, whole.length / 2));
    contains(refused(half), "a zip file without its central directory (truncated download?)");
    Path tail = Files.write(tmp.resolve("tail.pth"), Arrays.copyOf(whole, whole.length - 30));
    contains(refused(tail), "truncated");
  }

  @Test
  void aTruncatedPickleIsRefused() throws Exception {
    byte[] p = HandMade.oneTensor("w", 6, 0, new long[] {6}, new long[] {1});
    contains(
        refused(ckpt("nostop.pth", Arrays.copyOf(p, p.length - 1))),
        "ends without its STOP opcode");
    byte[] s = HandMade.pickle().op('X').raw(new byte[] {-1, -1, -1, 127}).stop().bytes();
    contains(refused(ckpt("longstr.pth", s)), "needs 2147483647 bytes");
  }

  @Test
  void compressedEntriesAreRefusedNotInflated() throws Exception {
    // A zip bomb needs compression: 64 MiB of zeros in a few KB.
    Path file = tmp.resolve("bomb.pth");
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(file))) {
      z.putNextEntry(new ZipEntry("archive/data.pkl"));
      z.write(HandMade.oneTensor("w", 6, 0, new long[] {6}, new long[] {1}));
      z.closeEntry();
      z.putNextEntry(new ZipEntry("archive/data/0"));
      z.write(new byte[64 << 20]);
      z.closeEntry();
    }
    assertTrue(Files.size(file) < 1 << 20);
    contains(refused(file), "is compressed (method 8); torch.save stores its records uncompressed");
  }

  @Test
  void sizesTheDirectoryLiesAboutAreRefused() throws Exception {
    Path good = ckpt("good.pth", HandMade.oneTensor("w", 6, 0, new long[] {6}, new long[] {1}));
    byte[] b = Files.readAllBytes(good);
    int cd = lastIndexOf(b, new byte[] {'P', 'K', 1, 2});
    // The last directory entry is archive/version; claim 3 GiB for it, stored and compressed.
    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    bb.putInt(cd + 20, 0xC0000000).putInt(cd + 24, 0xC0000000);
    Path lying = Files.write(tmp.resolve("lying.pth"), b);
    contains(refused(lying), "zip entry archive/version of 3221225472 bytes");
    bb.putInt(cd + 20, 2);
    Path mismatch = Files.write(tmp.resolve("mismatch.pth"), b);
    contains(refused(mismatch), "is stored with 2 bytes but claims 3221225472");
  }

  @Test
  void duplicateEntriesAreRefused() throws Exception {
    // Two records named archive/data/0 (java.util.zip refuses to write that; rename after).
    byte[] p = HandMade.oneTensor("w", 6, 0, new long[] {6}, new long[] {1});
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("archive/data.pkl", p);
    entries.put("archive/data/0", HandMade.floats(1, 2, 3, 4, 5, 6));
    entries.put("archive/data/X", HandMade.floats(9, 9, 9, 9, 9, 9));
    Path z = HandMade.zip(tmp.resolve("dup3.pth"), entries);
    byte[] zb = Files.readAllBytes(z);
    replaceAll(zb, "archive/data/X".getBytes(), "archive/data/0".getBytes());
    Files.write(z, zb);
    contains(refused(z), "zip entry archive/data/0 appears twice");
  }

  @Test
  void deepNestingIsRefused() throws Exception {
    HandMade h = HandMade.pickle();
    int n = 100_000;
    for (int i = 0; i < n; i++) {
      h.emptyList();
    }
    for (int i = 0; i < n - 1; i++) {
      h.append();
    }
    contains(refused(ckpt("deep.pth", h.stop().bytes())), "nested deeper than 32 levels");
  }

  @Test
  void aListThatHoldsItselfIsRefused() throws Exception {
    // l = []; l.append(l): a cycle through the memo.
    byte[] p = HandMade.pickle().emptyList().op('q', 0).op('h', 0).append().stop().bytes();
    contains(refused(ckpt("cycle.pth", p)), "nested deeper than 32 levels");
  }

  @Test
  void sharedValuesThatWouldTakeForeverToWalkAreRefused() throws Exception {
    // x0 = 1; x(i+1) = [x(i), x(i)]: 2^30 paths through 30 small lists.
    HandMade h = HandMade.pickle().integer(1).op('q', 0).op('0');
    for (int i = 0; i < 30; i++) {
      h.mark().op('h', i).op('h', i).op('l').op('q', i + 1);
      if (i < 29) {
        h.op('0'); // POP: the list lives on in the memo
      }
    }
    contains(refused(ckpt("laughs.pth", h.stop().bytes())), "shares values so often");
  }

  @Test
  void tooManyValuesAreRefused() throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(0x80);
    b.write(2);
    b.write(']');
    for (int i = 0; i < 2_100_000; i++) {
      b.write(')');
      b.write('a');
    }
    b.write('.');
    contains(refused(ckpt("many.pth", b.toByteArray())), "creates more than 2000000 values");
  }

  @Test
  void hugeIntegersAreRefused() throws Exception {
    byte[] p = HandMade.pickle().op(0x8B).raw(new byte[] {0x40, 0x42, 0x0F, 0}).stop().bytes();
    contains(refused(ckpt("bigint.pth", p)), "an integer of 1000000 bytes");
  }

  @Test
  void parametersThatAliasOneStorageAreRefused() throws Exception {
    // Every tensor of a ViT as a view of one small storage: a 4 KB file describing a network
    // (here small, but the same trick describes billions of parameters).
    HandMade h = HandMade.pickle().emptyDict().mark();
    for (Map.Entry<String, long[]> e : CheckpointLayoutTest.vitShapes("").entrySet()) {
      long[] shape = e.getValue();
      long[] stride = new long[shape.length];
      long s = 1;
      for (int i = shape.length - 1; i >= 0; i--) {
        stride[i] = s;
        s *= shape[i];
      }
      h.str(e.getKey()).tensor("FloatStorage", "0", 1024, 0, shape, stride);
    }
    byte[] p = h.setItems().stop().bytes();
    Path f = ckpt("alias.pth", p, Map.of("0", new byte[4096]));
    WeightFile w = WeightFile.open(f);
    BadInputException e =
        assertThrows(BadInputException.class, () -> CheckpointLayout.of(w, "teacher"));
    contains(
        e.getMessage(),
        "its backbone and head tensors add up to 30656 bytes, more than the" + " file's");
  }

  @Test
  void viewsThatWouldMultiplyOnConversionAreRefused() throws Exception {
    // 3,000 names for one 16 KB storage: 48 MB of safetensors from a file of half a megabyte.
    HandMade h = HandMade.pickle().emptyDict().mark();
    for (int i = 0; i < 3000; i++) {
      h.str("t" + i).tensor("FloatStorage", "0", 4096, 0, new long[] {4096}, new long[] {1});
    }
    Path f = ckpt("views.pth", h.setItems().stop().bytes(), Map.of("0", new byte[16384]));
    Path out = tmp.resolve("views.safetensors");
    BadInputException e = assertThrows(BadInputException.class, () -> Conversion.convert(f, out));
    contains(e.getMessage(), "its tensors add up to 49152000 bytes from a file of");
    assertTrue(!Files.exists(out));
  }

  @Test
  void aStructureThatRepeatsATensorIsRefused() throws Exception {
    // A safetensors file whose pth_structure names its one 4 MB tensor 100 times.
    Path src = tmp.resolve("one.pth");
    PyDict d = new PyDict(true);
    d.put("w", CheckpointLayoutTest.zeros(new long[] {1 << 20}));
    PthWriter.write(src, d);
    Path st = tmp.resolve("one.safetensors");
    Conversion.convert(src, st);
    byte[] b = Files.readAllBytes(st);
    String header =
        new String(
            b,
            8,
            (int) ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0),
            StandardCharsets.UTF_8);
    String item = "[\\\"w\\\",{\\\"$tensor\\\":\\\"w\\\"}]";
    assertTrue(header.contains(item), header);
    String many = String.join(",", Collections.nCopies(100, item));
    String evil = header.replace(item, many);
    byte[] h = evil.getBytes(StandardCharsets.UTF_8);
    int padded = (h.length + 7) / 8 * 8;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
    out.write(h);
    out.write(" ".repeat(padded - h.length).getBytes());
    out.write(
        b,
        8 + (int) ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0),
        b.length - 8 - (int) ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0));
    Path bad = Files.write(tmp.resolve("repeat.safetensors"), out.toByteArray());
    Path dst = tmp.resolve("repeat.pth");
    BadInputException e = assertThrows(BadInputException.class, () -> Conversion.convert(bad, dst));
    contains(e.getMessage(), "names its tensors so often that converting would write more than");
    assertTrue(!Files.exists(dst));
  }

  @Test
  void notAZipIsNamed() throws Exception {
    Path f = Files.writeString(tmp.resolve("notes.pth"), "hello");
    contains(refused(f), "not a checkpoint (expected a PyTorch .pth written by torch.save");
    Path z = HandMade.zip(tmp.resolve("other.zip"), Map.of("a.txt", new byte[] {1}));
    contains(refused(z), "a zip file without a data.pkl record");
  }

  private static int lastIndexOf(byte[] hay, byte[] needle) {
    for (int i = hay.length - needle.length; i >= 0; i--) {
      if (Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    return -1;
  }

  private static void replaceAll(byte[] hay, byte[] from, byte[] to) {
    for (int i = 0; i + from.length <= hay.length; i++) {
      if (Arrays.equals(hay, i, i + from.length, from, 0, from.length)) {
        System.arraycopy(to, 0, hay, i, to.length);
      }
    }
  }
}
