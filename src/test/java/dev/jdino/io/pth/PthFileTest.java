package dev.jdino.io.pth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.testing.Fixtures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reader against files torch.save wrote (tools/make_pth_fixtures.py, torch 1.13). */
class PthFileTest {
  private static PyDict dict(Object o) {
    return assertInstanceOf(PyDict.class, o);
  }

  @Test
  void everyElementTypeReadsAsPyTorchWroteIt() {
    PthFile f = PthFile.open(Fixtures.path("pth/dtypes.pth"));
    JsonNode expected = Json.read(Fixtures.path("pth/dtypes.json"));
    PyDict root = dict(f.root());
    assertTrue(root.ordered(), "an OrderedDict stays one");
    List<String> keys = new ArrayList<>();
    expected.fieldNames().forEachRemaining(keys::add);
    assertEquals(keys, new ArrayList<>(root.keySet()), "names in file order");
    for (String k : keys) {
      JsonNode e = expected.get(k);
      PyTensor t = assertInstanceOf(PyTensor.class, root.get(k), k);
      assertEquals(e.get("dtype").asText(), t.dtype().torchName(), k);
      long[] shape = new long[e.get("shape").size()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = e.get("shape").get(i).asLong();
      }
      assertArrayEquals(shape, t.shape(), k);
      JsonNode vals = e.get("values");
      assertEquals(vals.size(), t.numel(), k);
      if (t.dtype().isFloatingPoint()) {
        float[] got = f.readFloats(t);
        for (int i = 0; i < got.length; i++) {
          // The generator wrote each value as float32 (what jdino computes in); compare bits,
          // so that -0.0, subnormal halves and rounded doubles are checked exactly.
          assertEquals(
              Float.floatToIntBits((float) vals.get(i).asDouble()),
              Float.floatToIntBits(got[i]),
              k + "[" + i + "]");
        }
      } else {
        long[] got = f.readLongs(t);
        for (int i = 0; i < got.length; i++) {
          assertEquals(vals.get(i).asLong(), got[i], k + "[" + i + "]");
        }
      }
    }
  }

  @Test
  void viewsKeepTheirStorageOffsetAndStrides() {
    PthFile f = PthFile.open(Fixtures.path("pth/dtypes.pth"));
    PyDict root = dict(f.root());
    PyTensor base = (PyTensor) root.get("f32");
    PyTensor t = (PyTensor) root.get("f32_t");
    PyTensor col = (PyTensor) root.get("f32_col");
    PyTensor tail = (PyTensor) root.get("f32_tail");
    assertEquals(base.storage(), t.storage(), "a transpose shares its storage");
    assertArrayEquals(new long[] {1, 3}, t.stride());
    assertFalse(t.isContiguous());
    assertEquals(1, col.offset());
    assertArrayEquals(new long[] {3}, col.stride());
    assertEquals(4, tail.offset());
    assertTrue(tail.isContiguous());
    assertArrayEquals(new float[] {1e-30f, -0.0f}, f.readFloats(tail));
    PyTensor cube = (PyTensor) root.get("cube_permuted");
    assertArrayEquals(new long[] {4, 2, 3}, cube.shape());
    assertArrayEquals(new long[] {1, 12, 4}, cube.stride());
  }

  @Test
  void containerFacts() {
    PthFile f = PthFile.open(Fixtures.path("pth/dtypes.pth"));
    // torch 1.13 names the zip's folder after the file and writes no byteorder record.
    assertEquals("dtypes", f.archive());
    assertEquals("3", f.version());
    assertEquals(ByteOrder.LITTLE_ENDIAN, f.byteOrder());
    assertEquals(PthFile.Kind.ZIP, PthFile.sniff(Fixtures.path("pth/dtypes.pth")));
  }

  @Test
  void fullCheckpointKeepsArgsAsData() {
    PthFile f = PthFile.open(Fixtures.path("pth/vit_full.pth"));
    PyDict root = dict(f.root());
    assertFalse(root.ordered(), "save_dict is a plain dict");
    assertEquals(
        List.of("student", "teacher", "optimizer", "epoch", "args", "dino_loss", "fp16_scaler"),
        new ArrayList<>(root.keySet()));
    assertEquals(3L, root.get("epoch"));
    PyNamespace args = assertInstanceOf(PyNamespace.class, root.get("args"));
    assertEquals("vit_custom", args.fields().get("arch"));
    assertEquals(2L, args.fields().get("num_heads"));
    assertEquals(Boolean.FALSE, args.fields().get("norm_last_layer"));
    assertEquals(PyTuple.of(0.4, 1.0), args.fields().get("global_crops_scale"));
    assertEquals(0.0005, args.fields().get("lr"));
    PyDict student = dict(root.get("student"));
    assertEquals("module.backbone.cls_token", student.keySet().iterator().next());
    PyDict opt = dict(root.get("optimizer"));
    List<?> groups = assertInstanceOf(List.class, opt.get("param_groups"));
    assertEquals(2, groups.size());
    assertEquals(PyTuple.of(0.9, 0.999), dict(groups.get(0)).get("betas"));
    PyDict state = dict(dict(opt.get("state")).get(0L));
    PyTensor step = (PyTensor) state.get("step");
    assertArrayEquals(new long[0], step.shape(), "AdamW's step is a 0-d tensor in torch 1.13");
    assertArrayEquals(new float[] {1f}, f.readFloats(step));
    assertEquals(65536.0, dict(root.get("fp16_scaler")).get("scale"));
  }

  @Test
  void stateDictMetadataIsDroppedAndNamesKept() {
    PthFile f = PthFile.open(Fixtures.path("pth/vit_flat.pth"));
    PyDict root = dict(f.root());
    Iterator<Object> names = root.keySet().iterator();
    assertEquals("cls_token", names.next());
    assertEquals("pos_embed", names.next());
    assertEquals("patch_embed.proj.weight", names.next());
    assertEquals(30, root.size());
    assertTrue(root.values().stream().allMatch(v -> v instanceof PyTensor));
  }

  @Test
  void legacyFormatIsNamed() {
    BadInputException e =
        assertThrows(BadInputException.class, () -> PthFile.open(Fixtures.path("pth/legacy.pth")));
    assertTrue(e.getMessage().contains("legacy format of PyTorch before 1.6"), e.getMessage());
    assertTrue(e.getMessage().contains("legacy.pth"), e.getMessage());
  }

  @Test
  void torchScriptIsNamed() {
    BadInputException e =
        assertThrows(
            BadInputException.class, () -> PthFile.open(Fixtures.path("pth/torchscript.pt")));
    assertTrue(e.getMessage().contains("a TorchScript archive (torch.jit.save)"), e.getMessage());
  }

  @Test
  void expandedViewIsRefused() {
    BadInputException e =
        assertThrows(
            BadInputException.class, () -> PthFile.open(Fixtures.path("pth/expanded.pth")));
    assertTrue(e.getMessage().contains("12 elements but its storage holds only 3"), e.getMessage());
  }

  @Test
  void corruptStorageFailsItsCrc(@TempDir Path tmp) throws Exception {
    byte[] bytes = Files.readAllBytes(Fixtures.path("pth/vit_flat.pth"));
    PthFile good = PthFile.open(Fixtures.path("pth/vit_flat.pth"));
    PyTensor pos = (PyTensor) dict(good.root()).get("pos_embed");
    float[] values = good.readFloats(pos);
    // Flip one bit of pos_embed's first element, found by its bytes.
    byte[] needle =
        ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(values[0]).array();
    int at = indexOf(bytes, needle);
    assertTrue(at > 0);
    bytes[at] ^= 1;
    Path bad = Files.write(tmp.resolve("bad.pth"), bytes);
    PthFile f = PthFile.open(bad);
    PyTensor t = (PyTensor) dict(f.root()).get("pos_embed");
    BadInputException e = assertThrows(BadInputException.class, () -> f.readFloats(t));
    assertTrue(e.getMessage().contains("CRC-32"), e.getMessage());
  }

  @Test
  void bigEndianFilesAreSwapped(@TempDir Path tmp) throws Exception {
    byte[] pickle = HandMade.oneTensor("w", 2, 0, new long[] {2}, new long[] {1});
    ByteBuffer be = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putFloat(1.5f).putFloat(-3f);
    Map<String, byte[]> e = new LinkedHashMap<>();
    e.put("archive/data.pkl", pickle);
    e.put("archive/byteorder", "big".getBytes(StandardCharsets.US_ASCII));
    e.put("archive/data/0", be.array());
    PthFile f = PthFile.open(HandMade.zip(tmp.resolve("be.pth"), e));
    assertEquals(ByteOrder.BIG_ENDIAN, f.byteOrder());
    assertArrayEquals(new float[] {1.5f, -3f}, f.readFloats((PyTensor) dict(f.root()).get("w")));
  }

  @Test
  void aZip64DirectoryIsRead(@TempDir Path tmp) throws Exception {
    // More than 65,535 entries make java.util.zip write the zip64 end records that torch.save
    // writes for files over 4 GiB.
    Map<String, byte[]> e = new LinkedHashMap<>();
    e.put("archive/data.pkl", HandMade.oneTensor("w", 2, 0, new long[] {2}, new long[] {1}));
    e.put("archive/data/0", HandMade.floats(4f, 5f));
    for (int i = 0; i < 70_000; i++) {
      e.put("archive/pad/" + i, new byte[0]);
    }
    Path file = HandMade.zip(tmp.resolve("zip64.pth"), e);
    byte[] bytes = Files.readAllBytes(file);
    assertTrue(indexOf(bytes, new byte[] {'P', 'K', 6, 6}) > 0, "has a zip64 end record");
    PthFile f = PthFile.open(file);
    assertArrayEquals(new float[] {4f, 5f}, f.readFloats((PyTensor) dict(f.root()).get("w")));
  }

  @Test
  void halfPrecisionConversionIsExact() {
    assertEquals(0f, PthFile.halfToFloat((short) 0));
    assertEquals(
        Float.floatToIntBits(-0f), Float.floatToIntBits(PthFile.halfToFloat((short) 0x8000)));
    assertEquals(65504f, PthFile.halfToFloat((short) 0x7BFF));
    assertEquals(0x1p-24f, PthFile.halfToFloat((short) 1), "smallest subnormal");
    assertEquals(0x1p-14f, PthFile.halfToFloat((short) 0x0400), "smallest normal");
    assertEquals(Float.NEGATIVE_INFINITY, PthFile.halfToFloat((short) 0xFC00));
    assertTrue(Float.isNaN(PthFile.halfToFloat((short) 0x7E00)));
    assertEquals(1.0009765625f, PthFile.halfToFloat((short) 0x3C01));
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
