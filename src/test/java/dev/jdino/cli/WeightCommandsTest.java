package dev.jdino.cli;

import static dev.jdino.cli.KnnCommandTest.assertBadInput;
import static dev.jdino.cli.KnnCommandTest.jdino;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.io.Safetensors;
import dev.jdino.io.pth.HandMade;
import dev.jdino.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jdino info}, {@code jdino convert}, and {@code --num-heads} on backbone commands. */
class WeightCommandsTest {
  @TempDir Path tmp;

  private static String fixture(String name) {
    return Fixtures.path("pth/" + name).toString();
  }

  private static List<String> lines(KnnCommandTest.Result r) {
    assertEquals(0, r.code(), r.err());
    return r.out().lines().toList();
  }

  private static String line(List<String> lines, String prefix) {
    return lines.stream()
        .filter(l -> l.startsWith(prefix))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no line '" + prefix + "' in " + lines));
  }

  @Test
  void infoDescribesAFullCheckpoint() {
    List<String> l = lines(jdino("info", fixture("vit_full.pth")));
    assertEquals(
        "layout: an official DINO training checkpoint (main_dino.py); describing the" + " teacher",
        line(l, "layout:"));
    assertEquals(
        "backbone: teacher.backbone.*, 30 tensors, 7,664 parameters", line(l, "backbone:"));
    assertEquals(
        "architecture: ViT, embed dim 16, depth 2, 2 heads (the checkpoint's"
            + " args.num_heads), patch 4, image 16 px (4x4 grid; other sizes are interpolated), MLP"
            + " 64, qkv bias yes",
        line(l, "architecture:"));
    assertEquals(
        "head: DINO head under teacher.head.*, 3-layer MLP 16 -> 24 -> 12, K = 20"
            + " prototypes, norm_last_layer false (args.norm_last_layer), 1,568 parameters",
        line(l, "head:"));
    assertEquals(
        "groups: student (38 tensors, 9,232 values), teacher (38 tensors, 9,232"
            + " values), optimizer (114 tensors, 18,502 values), dino_loss (1 tensor, 20 values)",
        line(l, "groups:"));
    assertEquals("data: epoch 3", line(l, "data:"));
    assertTrue(line(l, "args:").startsWith("args: arch=vit_custom, patch_size=4, out_dim=20,"));
    assertTrue(
        line(l, "format:")
            .startsWith(
                "format: PyTorch checkpoint (torch.save zip),"
                    + " archive vit_full/, serialization version 3, little-endian, 191 storages"));
  }

  @Test
  void infoSaysWhatAFlatFileDoesNotRecord() {
    List<String> l = lines(jdino("info", fixture("vit_flat.pth")));
    assertTrue(
        line(l, "architecture:")
            .contains("heads unknown (the file does not record them:" + " give --num-heads N)"));
    assertEquals(
        "head: none (a DINO network started from this file gets a fresh head)", line(l, "head:"));
    List<String> given = lines(jdino("info", fixture("vit_flat.pth"), "--num-heads", "2"));
    assertTrue(line(given, "architecture:").contains("2 heads (given explicitly (--num-heads))"));
    List<String> other = lines(jdino("info", fixture("dtypes.pth")));
    assertTrue(line(other, "backbone:").contains("none usable:"));
  }

  @Test
  void infoOnADirectoryWithoutACheckpointSaysItIsADirectory() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("emptydir"));
    KnnCommandTest.Result r = jdino("info", dir.toString());
    assertEquals(2, r.code(), r.err());
    assertEquals(
        "jdino: error: FILE "
            + dir
            + ": a directory without checkpoint.safetensors; expected a weight file (.pth or"
            + " safetensors) or a run directory",
        r.err().strip());
    assertBadInput(jdino("info", tmp.resolve("nope").toString()), "nope: file not found");
  }

  @Test
  void infoOnAHostileFileIsOneErrorLine() throws Exception {
    byte[] p = HandMade.pickle().global("os", "system").str("id").op(0x85).reduce().stop().bytes();
    Path f = HandMade.checkpoint(tmp.resolve("evil.pth"), p, Map.of());
    assertBadInput(jdino("info", f.toString()), "evil.pth", "imports os.system");
  }

  @Test
  void convertWritesAndRefusesToOverwrite() throws Exception {
    Path out = tmp.resolve("full.safetensors");
    KnnCommandTest.Result r = jdino("convert", fixture("vit_full.pth"), out.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().startsWith("wrote " + out + ": safetensors, 191 tensors, "), r.out());
    assertEquals(191, Safetensors.open(out).tensors().size());
    long size = Files.size(out);
    assertBadInput(jdino("convert", fixture("vit_flat.pth"), out.toString()), "exists", "--force");
    assertEquals(size, Files.size(out), "left as it was");
    assertEquals(0, jdino("convert", fixture("vit_flat.pth"), out.toString(), "--force").code());
    assertEquals(30, Safetensors.open(out).tensors().size());
    assertBadInput(
        jdino("convert", fixture("vit_flat.pth"), tmp.resolve("x.onnx").toString()),
        "x.onnx",
        ".safetensors, .pth or .pt");
    assertBadInput(
        jdino(
            "convert",
            tmp.resolve("missing.pth").toString(),
            tmp.resolve("y.safetensors").toString()),
        "missing.pth",
        "not found");
    assertFalse(Files.exists(tmp.resolve("y.safetensors")));
    assertBadInput(
        jdino("convert", fixture("legacy.pth"), tmp.resolve("z.safetensors").toString()),
        "legacy format");
    // a folder named like the output is refused before the conversion, with --force too
    Path folder = Files.createDirectory(tmp.resolve("d.safetensors"));
    assertBadInput(
        jdino("convert", fixture("vit_full.pth"), folder.toString(), "--force"),
        "OUT " + folder,
        "is a folder; expected a file name");
  }

  @Test
  void backboneCommandsTakeAPthAndItsHeads() throws Exception {
    Path dir = tmp.resolve("att");
    assertBadInput(
        jdino(
            "attention",
            "--checkpoint",
            fixture("vit_flat.pth"),
            "--images",
            "fmnist-sample",
            "--limit",
            "1",
            "--output-dir",
            dir.toString()),
        "--num-heads N");
    KnnCommandTest.Result r =
        jdino(
            "attention",
            "--checkpoint",
            fixture("vit_flat.pth"),
            "--num-heads",
            "2",
            "--images",
            "fmnist-sample",
            "--limit",
            "1",
            "--output-dir",
            dir.toString());
    assertEquals(0, r.code(), r.err());
    try (var files = Files.walk(dir)) {
      List<String> names = files.map(p -> p.getFileName().toString()).toList();
      assertTrue(names.contains("attention-head1.png"), names.toString());
      assertFalse(names.contains("attention-head2.png"), "two heads: 0 and 1");
    }
    assertBadInput(
        jdino(
            "attention",
            "--checkpoint",
            fixture("vit_full.pth"),
            "--num-heads",
            "4",
            "--images",
            "fmnist-sample",
            "--limit",
            "1",
            "--output-dir",
            dir.toString()),
        "--num-heads 4 contradicts");
  }
}
