package dev.jdino.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.engine.Torch;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import dev.jdino.io.Safetensors;
import dev.jdino.io.pth.DType;
import dev.jdino.io.pth.PthFile;
import dev.jdino.io.pth.PthWriter;
import dev.jdino.io.pth.PyDict;
import dev.jdino.io.pth.PyNamespace;
import dev.jdino.io.pth.PyTensor;
import dev.jdino.io.pth.PyTuple;
import dev.jdino.testing.Fixtures;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jdino convert}'s two directions, and the writer's output against what torch read. */
class ConversionTest {
  private static final List<String> FIXTURES =
      List.of("vit_flat", "vit_full", "vit_timm", "dtypes");

  @TempDir Path tmp;

  private Path roundTrip(String name) throws Exception {
    Path st = tmp.resolve(name + ".safetensors");
    Conversion.convert(Fixtures.path("pth/" + name + ".pth"), st);
    Path back = tmp.resolve(name + ".roundtrip.pth");
    Conversion.Result r = Conversion.convert(st, back);
    assertEquals(WeightFile.Format.PTH, r.format());
    assertEquals(List.of(), r.notes());
    return back;
  }

  @Test
  void theWriterStillWritesTheBytesTorchLoaded() throws Exception {
    // tools/check_pth_writer.sh loaded these files with torch.load (weights_only=True where no
    // Namespace is involved), compared them with the originals, and recorded their digests.
    JsonNode digests = Json.read(Fixtures.path("pth/writer_digests.json")).get("sha256");
    for (String n : FIXTURES) {
      byte[] bytes = Files.readAllBytes(roundTrip(n));
      String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
      assertEquals(digests.get(n + ".roundtrip.pth").asText(), sha, n + ".roundtrip.pth");
    }
  }

  @Test
  void aRoundTripRebuildsTheSameObject() throws Exception {
    for (String n : FIXTURES) {
      PthFile original = PthFile.open(Fixtures.path("pth/" + n + ".pth"));
      PthFile back = PthFile.open(roundTrip(n));
      same(original, original.root(), back, back.root(), n);
    }
  }

  @Test
  void safetensorsKeepsNamesTypesValuesAndTheRest() throws Exception {
    Path st = tmp.resolve("dtypes.safetensors");
    Conversion.Result r = Conversion.convert(Fixtures.path("pth/dtypes.pth"), st);
    assertEquals(16, r.tensors());
    Safetensors s = Safetensors.open(st);
    assertEquals("BF16", s.tensors().get("bf16").dtype());
    assertEquals("BOOL", s.tensors().get("bool").dtype());
    assertArrayEquals(new long[] {3, 2}, s.tensors().get("f32_t").shape());
    // The transpose is written row-major: its rows are base's columns.
    assertArrayEquals(new float[] {1.5f, 0.1f, -2.25f, 1e-30f, 3.0f, -0.0f}, s.loadFloats("f32_t"));
    assertArrayEquals(new long[] {0, -1, 1L << 40, -(1L << 62)}, s.loadLongs("i64"));
    assertEquals("pt", s.metadata().get("format"));
    WeightFile full = WeightFile.open(convert("vit_full", ".safetensors"));
    assertEquals(3, full.data().path("epoch").asInt(), "epoch survives as data");
    assertEquals(2, full.data().path("args").path("num_heads").asInt());
    assertTrue(full.contains("student.module.backbone.cls_token"));
    assertTrue(full.contains("optimizer.state.0.exp_avg_sq"));
  }

  private Path convert(String fixture, String ext) throws Exception {
    Path out = tmp.resolve(fixture + ext);
    Conversion.convert(Fixtures.path("pth/" + fixture + ".pth"), out);
    return out;
  }

  @Test
  void aJdinoCheckpointBecomesTheOfficialLayout() throws Exception {
    // jdino's checkpoint names (train.Checkpoint) over the fixture's tensors.
    WeightFile full = WeightFile.open(Fixtures.path("pth/vit_full.pth"));
    Path ckpt = tmp.resolve("checkpoint.safetensors");
    try (NDManager m = Torch.newManager()) {
      Map<String, NDArray> t = new LinkedHashMap<>();
      for (WeightFile.Entry e : full.tensors().values()) {
        String name = e.name();
        String jdino =
            name.startsWith("student.module.")
                ? "student." + name.substring(15)
                : name.startsWith("teacher.") || name.equals("dino_loss.center")
                    ? name
                    : name.endsWith(".exp_avg") ? "optimizer.exp_avg." + name : null;
        if (jdino != null) {
          t.put(jdino, m.create(full.floats(name), new Shape(e.shape())));
        }
      }
      // What train.Checkpoint records: the configuration as DinoConfig's JSON.
      String meta =
          "{'format': 'jdino-dino-checkpoint', 'epoch': 3, 'batch_in_epoch': 0, 'config': {"
              + "'vit': {'imgSize': 16, 'patchSize': 4, 'embedDim': 16, 'depth': 2,"
              + " 'numHeads': 2, 'mlpRatio': 4.0, 'qkvBias': true, 'dropPathRate': 0.1},"
              + " 'head': {'outDim': 20, 'hiddenDim': 24, 'bottleneckDim': 12, 'nlayers': 3,"
              + " 'normLastLayer': false}}}";
      Safetensors.write(
          ckpt, t, Map.of("format", "jdino-dino-checkpoint", "jdino", meta.replace('\'', '"')));
    }
    Path out = tmp.resolve("official.pth");
    Conversion.Result r = Conversion.convert(ckpt, out);
    assertEquals(77, r.tensors());
    assertTrue(r.notes().get(0).startsWith("38 optimizer tensors left out"), r.notes().toString());
    PthFile p = PthFile.open(out);
    PyDict root = assertInstanceOf(PyDict.class, p.root());
    assertEquals(
        List.of("student", "teacher", "dino_loss", "epoch", "args"),
        new ArrayList<>(root.keySet()));
    assertEquals(3L, root.get("epoch"));
    PyDict args = assertInstanceOf(PyDict.class, root.get("args"));
    assertEquals(
        List.of(
            "patch_size",
            "embed_dim",
            "depth",
            "num_heads",
            "img_size",
            "out_dim",
            "hidden_dim",
            "bottleneck_dim",
            "nlayers",
            "norm_last_layer"),
        new ArrayList<>(args.keySet()));
    assertEquals(2L, args.get("num_heads"));
    assertEquals(Boolean.FALSE, args.get("norm_last_layer"));
    PthFile original = PthFile.open(Fixtures.path("pth/vit_full.pth"));
    PyDict o = (PyDict) original.root();
    for (String k : List.of("student", "teacher", "dino_loss")) {
      same(original, o.get(k), p, root.get(k), k);
    }
    // And jdino reads it back as the official checkpoint it now is, heads included.
    WeightFile back = WeightFile.open(out);
    CheckpointLayout l = CheckpointLayout.of(back, "student");
    assertEquals(CheckpointLayout.Kind.DINO_CHECKPOINT, l.kind());
    assertEquals(2, Heads.resolve(back, VitShape.of(back, l), null).numHeads());
    assertFalse(HeadShape.of(back, l).normLastLayer());
  }

  @Test
  void aPlainSafetensorsFileBecomesOneStateDict() throws Exception {
    Path st = tmp.resolve("flat.safetensors");
    try (NDManager m = Torch.newManager()) {
      Map<String, NDArray> t = new LinkedHashMap<>();
      t.put("cls_token", m.create(new float[] {1, 2}, new Shape(1, 1, 2)));
      t.put("steps", m.create(new long[] {7}));
      Safetensors.write(st, t, Map.of("note", "hello"));
    }
    Path out = tmp.resolve("flat.pth");
    Conversion.Result r = Conversion.convert(st, out);
    assertEquals(
        List.of(
            "the safetensors header's metadata (note) is not part of a state dict"
                + " and was left out"),
        r.notes());
    PthFile p = PthFile.open(out);
    PyDict root = (PyDict) p.root();
    assertTrue(root.ordered());
    assertArrayEquals(new float[] {1, 2}, p.readFloats((PyTensor) root.get("cls_token")));
    assertArrayEquals(new long[] {7}, p.readLongs((PyTensor) root.get("steps")));
  }

  @Test
  void everyValueKindSurvivesTheWriter() throws Exception {
    PyDict root = new PyDict(false);
    root.put("n", -5L);
    root.put("big", new BigInteger("123456789012345678901234567890"));
    root.put("max", Long.MIN_VALUE);
    root.put("x", 0.1);
    root.put("inf", Double.NEGATIVE_INFINITY);
    root.put("s", "naïve ✓");
    root.put("none", null);
    root.put("t", PyTuple.of(1L, PyTuple.of(), List.of(true, false)));
    root.put(7L, "an int key");
    root.put("ns", new PyNamespace(Map.of("arch", "vit_small")));
    PyDict sd = new PyDict(true);
    sd.put(
        "w",
        new PthWriter.Tensor(
            DType.FLOAT16, new long[] {2}, () -> new byte[] {0, 0x3C, 0, (byte) 0xC0}));
    root.put("sd", sd);
    Path f = tmp.resolve("kinds.pth");
    PthWriter.write(f, root);
    PthFile p = PthFile.open(f);
    PyDict back = (PyDict) p.root();
    for (Object k : List.of("n", "big", "max", "x", "inf", "s", "t", 7L)) {
      assertEquals(root.get(k), back.get(k), String.valueOf(k));
    }
    assertTrue(back.containsKey("none") && back.get("none") == null);
    assertEquals(Map.of("arch", "vit_small"), ((PyNamespace) back.get("ns")).fields());
    PyTensor w = (PyTensor) ((PyDict) back.get("sd")).get("w");
    assertArrayEquals(new float[] {1f, -2f}, p.readFloats(w));
  }

  @Test
  void badRequestsAreNamed() throws Exception {
    BadInputException ext =
        assertThrows(
            BadInputException.class,
            () -> Conversion.convert(Fixtures.path("pth/vit_flat.pth"), tmp.resolve("x.npz")));
    assertTrue(
        ext.getMessage()
            .endsWith("x.npz: expected an output name ending in" + " .safetensors, .pth or .pt"),
        ext.getMessage());
    BadInputException same =
        assertThrows(
            BadInputException.class,
            () -> Conversion.convert(Fixtures.path("pth/vit_flat.pth"), tmp.resolve("x.pth")));
    assertTrue(
        same.getMessage()
            .endsWith(
                "is already a PyTorch checkpoint (torch.save zip) file;" + " nothing to convert"),
        same.getMessage());
  }

  /** Deep equality of two unpickled trees; tensors by dtype, shape and bytes. */
  private static void same(PthFile fa, Object a, PthFile fb, Object b, String where) {
    if (a instanceof PyTensor ta) {
      PyTensor tb = assertInstanceOf(PyTensor.class, b, where);
      assertEquals(ta.dtype(), tb.dtype(), where);
      assertArrayEquals(ta.shape(), tb.shape(), where);
      assertArrayEquals(fa.readBytes(ta), fb.readBytes(tb), where);
    } else if (a instanceof PyDict da) {
      PyDict db = assertInstanceOf(PyDict.class, b, where);
      assertEquals(da.ordered(), db.ordered(), where + ": dict or OrderedDict");
      assertEquals(new ArrayList<>(da.keySet()), new ArrayList<>(db.keySet()), where);
      for (Object k : da.keySet()) {
        same(fa, da.get(k), fb, db.get(k), where + "." + k);
      }
    } else if (a instanceof PyNamespace na) {
      PyNamespace nb = assertInstanceOf(PyNamespace.class, b, where);
      assertEquals(new ArrayList<>(na.fields().keySet()), new ArrayList<>(nb.fields().keySet()));
      for (String k : na.fields().keySet()) {
        same(fa, na.fields().get(k), fb, nb.fields().get(k), where + "." + k);
      }
    } else if (a instanceof PyTuple || a instanceof List) {
      List<?> la = a instanceof PyTuple t ? t.items() : (List<?>) a;
      assertEquals(a.getClass(), b.getClass(), where);
      List<?> lb = b instanceof PyTuple t ? t.items() : (List<?>) b;
      assertEquals(la.size(), lb.size(), where);
      for (int i = 0; i < la.size(); i++) {
        same(fa, la.get(i), fb, lb.get(i), where + "." + i);
      }
    } else {
      assertEquals(a, b, where);
    }
  }
}
