package dev.jdino.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.augment.EvalTransform;
import dev.jdino.augment.Normalize;
import dev.jdino.data.DataSources;
import dev.jdino.data.ImageDataset;
import dev.jdino.eval.EvalFixtures;
import dev.jdino.io.Json;
import dev.jdino.io.Safetensors;
import dev.jdino.model.Backbone;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jdino features}: the exported rows are the backbone's output for the same images. */
class FeaturesCommandTest {

  @Test
  void exportedFeaturesEqualTheBackbonesOutput(@TempDir Path tmp) throws Exception {
    Path model = EvalFixtures.backbone(tmp.resolve("tiny.safetensors"), EvalFixtures.TINY, 5);
    Path images = EvalFixtures.sampleIdx(tmp, "data", 200, 37, 37);
    Path out = tmp.resolve("feats.safetensors");
    KnnCommandTest.Result r =
        KnnCommandTest.jdino(
            "features",
            "--checkpoint",
            model.toString(),
            "--data",
            images.toString(),
            "--output",
            out.toString(),
            "--batch-size",
            "16",
            "--raw");
    assertEquals(0, r.code(), r.err());
    Safetensors st = Safetensors.open(out);
    assertArrayEquals(new long[] {37, 32}, st.tensors().get("features").shape());
    float[] got = st.loadFloats("features");
    long[] labels = st.loadLongs("labels");
    long[] indices = st.loadLongs("indices");
    assertEquals("I64", st.tensors().get("labels").dtype());
    ImageDataset data = DataSources.open(images.toString());
    try (Backbone b = Backbone.load(model, "teacher")) {
      for (int from = 0; from < 37; from += 16) {
        int n = Math.min(16, 37 - from);
        float[] px = new float[n * 3 * 28 * 28];
        for (int i = 0; i < n; i++) {
          float[] img = EvalTransform.apply(data.load(from + i), 32, 28).data();
          System.arraycopy(img, 0, px, i * img.length, img.length);
          Normalize.apply(px, i * img.length, 28 * 28, EvalFixtures.MEAN, EvalFixtures.STD);
        }
        float[][] expected = b.features(px, n, 28, 28);
        for (int i = 0; i < n; i++) {
          int row = from + i;
          assertArrayEquals(
              expected[i], Arrays.copyOfRange(got, row * 32, row * 32 + 32), "row " + row);
          assertEquals(data.label(row), labels[row]);
          assertEquals(row, indices[row]);
        }
      }
    }
    JsonNode desc = Json.read(tmp.resolve("feats.json"));
    assertEquals(37, desc.get("images").asInt());
    assertEquals(32, desc.get("dim").asInt());
    assertFalse(desc.get("l2_normalized").asBoolean());
    assertEquals(32, desc.get("preprocessing").get("resize").asInt());
    assertEquals(28, desc.get("preprocessing").get("crop").asInt());
    assertEquals(0.286f, (float) desc.get("preprocessing").get("mean").get(0).asDouble());
    assertEquals(0, desc.get("skipped_images").asInt());
  }

  /**
   * A folder's rows are named by file in the description, so a search result can be looked up; an
   * undecodable file leaves its row out and the names stay aligned with the rows.
   */
  @Test
  void eachRowNamesItsImageAndSkippedFilesLeaveNoGap(@TempDir Path tmp) throws Exception {
    Path model = EvalFixtures.backbone(tmp.resolve("tiny.safetensors"), EvalFixtures.TINY, 5);
    Path folder = tmp.resolve("photos");
    java.nio.file.Files.createDirectories(folder.resolve("sub"));
    for (String name : new String[] {"a.png", "c.png", "sub/d.png"}) {
      java.awt.image.BufferedImage im =
          new java.awt.image.BufferedImage(30, 30, java.awt.image.BufferedImage.TYPE_INT_RGB);
      im.setRGB(name.length(), 3, 0xffffff);
      javax.imageio.ImageIO.write(im, "png", folder.resolve(name).toFile());
    }
    java.nio.file.Files.writeString(folder.resolve("b.png"), "not a png");
    Path out = tmp.resolve("photos.safetensors");
    KnnCommandTest.Result r =
        KnnCommandTest.jdino(
            "features",
            "--checkpoint",
            model.toString(),
            "--data",
            folder.toString(),
            "--output",
            out.toString());
    assertEquals(0, r.code(), r.err());
    long[] indices = Safetensors.open(out).loadLongs("indices");
    JsonNode desc = Json.read(tmp.resolve("photos.json"));
    ImageDataset data = DataSources.open(folder.toString());
    assertEquals(3, indices.length);
    assertEquals(3, desc.get("sources").size(), desc.toString());
    java.util.List<String> names = new java.util.ArrayList<>();
    for (int row = 0; row < 3; row++) {
      String source = desc.get("sources").get(row).asText();
      assertEquals(data.describe((int) indices[row]), source);
      names.add(folder.relativize(Path.of(source)).toString());
    }
    assertEquals(java.util.List.of("a.png", "c.png", "sub/d.png"), names);
    assertEquals(
        folder.resolve("b.png").toString(), desc.get("skipped").get(0).get("source").asText());
    // the safetensors header keeps the description without the per-row names
    assertFalse(
        Safetensors.open(out).metadata().get("jdino").contains("\"sources\""), "header metadata");
  }

  @Test
  void normalisedByDefaultAndUnlabelledDataHasNoLabels(@TempDir Path tmp) throws Exception {
    Path model = EvalFixtures.backbone(tmp.resolve("tiny.safetensors"), EvalFixtures.TINY, 5);
    Path images = EvalFixtures.sampleIdx(tmp, "bare", 0, 9, -1);
    Path out = tmp.resolve("f.safetensors");
    KnnCommandTest.Result r =
        KnnCommandTest.jdino(
            "features",
            "--checkpoint",
            model.toString(),
            "--data",
            images.toString(),
            "--output",
            out.toString());
    assertEquals(0, r.code(), r.err());
    Safetensors st = Safetensors.open(out);
    assertFalse(st.contains("labels"));
    float[] f = st.loadFloats("features");
    for (int i = 0; i < 9; i++) {
      double s = 0;
      for (int j = 0; j < 32; j++) {
        s += (double) f[i * 32 + j] * f[i * 32 + j];
      }
      assertEquals(1.0, s, 1e-6);
    }
    assertTrue(Json.read(tmp.resolve("f.json")).get("l2_normalized").asBoolean());

    // An existing export is the user's: replaced only with --force, else left as it was.
    byte[] before = java.nio.file.Files.readAllBytes(out);
    String[] again = {
      "features",
      "--checkpoint",
      model.toString(),
      "--data",
      images.toString(),
      "--raw",
      "--output",
      out.toString()
    };
    KnnCommandTest.assertBadInput(
        KnnCommandTest.jdino(again), out.toString(), "exists (add --force to replace it)");
    assertArrayEquals(before, java.nio.file.Files.readAllBytes(out));
    String[] forced = java.util.Arrays.copyOf(again, again.length + 1);
    forced[again.length] = "--force";
    KnnCommandTest.Result replaced = KnnCommandTest.jdino(forced);
    assertEquals(0, replaced.code(), replaced.err());
    assertFalse(Json.read(tmp.resolve("f.json")).get("l2_normalized").asBoolean());
  }

  @Test
  void badInput(@TempDir Path tmp) throws Exception {
    Path model = EvalFixtures.backbone(tmp.resolve("tiny.safetensors"), EvalFixtures.TINY, 5);
    KnnCommandTest.assertBadInput(
        KnnCommandTest.jdino(
            "features",
            "--checkpoint",
            model.toString(),
            "--data",
            tmp.resolve("none").toString(),
            "--output",
            tmp.resolve("x.safetensors").toString()),
        "none",
        "does not exist");
    KnnCommandTest.assertBadInput(
        KnnCommandTest.jdino(
            "features",
            "--checkpoint",
            model.toString(),
            "--data",
            "fmnist-sample",
            "--output",
            tmp.toString()),
        "is a folder; expected a file name");
    KnnCommandTest.assertBadInput(
        KnnCommandTest.jdino(
            "features",
            "--checkpoint",
            model.toString(),
            "--data",
            "fmnist-sample",
            "--output",
            tmp.resolve("new.json").toString()),
        "new.json",
        "expected a .safetensors file name");
  }
}
