package dev.jdino.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jdino.eval.EvalFixtures;
import dev.jdino.eval.LinearProbe;
import dev.jdino.io.Json;
import dev.jdino.io.Safetensors;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jdino linear}: both protocols run, the layer is saved with its configuration. */
class LinearCommandTest {

  @Test
  void fastAndOfficialModesSaveTheLayer(@TempDir Path tmp) throws Exception {
    Path model = EvalFixtures.backbone(tmp.resolve("tiny.safetensors"), EvalFixtures.TINY, 5);
    Path train = EvalFixtures.sampleIdx(tmp, "train", 0, 100, 100);
    Path test = EvalFixtures.sampleIdx(tmp, "test", 3000, 40, 40);
    Path fast = tmp.resolve("fast");
    KnnCommandTest.Result r =
        KnnCommandTest.jdino(
            "linear",
            "--checkpoint",
            model.toString(),
            "--train-data",
            train.toString(),
            "--test-data",
            test.toString(),
            "--n-last-blocks",
            "2",
            "--epochs",
            "3",
            "--no-augment",
            "--batch-size",
            "32",
            "--output-dir",
            fast.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("epoch 3/3"), r.out());
    Safetensors st = Safetensors.open(fast.resolve(LinearProbe.WEIGHTS_FILE));
    assertArrayEquals(new long[] {10, 64}, st.tensors().get("linear.weight").shape());
    assertArrayEquals(new long[] {10}, st.tensors().get("linear.bias").shape());
    assertEquals(LinearProbe.FORMAT, st.metadata().get("format"));
    JsonNode d = Json.read(fast.resolve(LinearProbe.DESCRIPTION_FILE));
    assertEquals(3, d.get("epochs").size());
    assertEquals(2, d.get("probe").get("n_last_blocks").asInt());
    assertEquals(0.001 * 32 / 256, d.get("probe").get("peak_lr").asDouble());
    assertEquals(false, d.get("probe").get("augment").asBoolean());
    // A bare IDX pair names no classes; their count comes from the labels.
    assertEquals(0, d.get("class_names").size());
    assertEquals(10, d.get("classes").asInt());
    double best = d.get("best_top1").asDouble();
    for (JsonNode e : d.get("epochs")) {
      assertTrue(e.get("test_top1").asDouble() <= best);
    }
    assertEquals(
        best, d.get("epochs").get(d.get("best_epoch").asInt()).get("test_top1").asDouble());
    double perEpoch = 0;
    for (JsonNode e : d.get("epochs")) {
      perEpoch += e.get("seconds").asDouble();
    }
    // The whole run includes feature extraction, so it takes at least its epochs' time.
    assertTrue(d.get("seconds").asDouble() >= perEpoch, d.toString());

    Path official = tmp.resolve("official");
    r =
        KnnCommandTest.jdino(
            "linear",
            "--checkpoint",
            model.toString(),
            "--train-data",
            train.toString(),
            "--test-data",
            test.toString(),
            "--n-last-blocks",
            "1",
            "--avgpool-patchtokens",
            "--epochs",
            "1",
            "--batch-size",
            "32",
            "--output-dir",
            official.toString());
    assertEquals(0, r.code(), r.err());
    JsonNode o = Json.read(official.resolve(LinearProbe.DESCRIPTION_FILE));
    assertEquals(true, o.get("probe").get("augment").asBoolean());
    assertEquals(64, o.get("feature_dim").asInt());
  }

  @Test
  void badInput(@TempDir Path tmp) throws Exception {
    Path model = EvalFixtures.backbone(tmp.resolve("tiny.safetensors"), EvalFixtures.TINY, 5);
    Path train = EvalFixtures.sampleIdx(tmp, "train", 0, 20, 20);
    KnnCommandTest.assertBadInput(
        KnnCommandTest.jdino(
            "linear",
            "--checkpoint",
            model.toString(),
            "--train-data",
            train.toString(),
            "--test-data",
            train.toString(),
            "--n-last-blocks",
            "3",
            "--output-dir",
            tmp.resolve("o").toString()),
        "--n-last-blocks 3",
        "depth 2");
    KnnCommandTest.assertBadInput(
        KnnCommandTest.jdino(
            "linear",
            "--checkpoint",
            model.toString(),
            "--train-data",
            train.toString(),
            "--test-data",
            train.toString(),
            "--epochs",
            "0",
            "--output-dir",
            tmp.resolve("o").toString()),
        "--epochs");
    // one class: 100 % for any features, refused
    Path one = tmp.resolve("one");
    for (int i = 0; i < 3; i++) {
      Files.createDirectories(one.resolve("a"));
      ImageIO.write(
          new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY),
          "png",
          one.resolve("a/" + i + ".png").toFile());
    }
    KnnCommandTest.assertBadInput(
        KnnCommandTest.jdino(
            "linear",
            "--checkpoint",
            model.toString(),
            "--train-data",
            one.toString(),
            "--test-data",
            one.toString(),
            "--no-augment",
            "--n-last-blocks",
            "1",
            "--output-dir",
            tmp.resolve("o").toString()),
        "has one class: a linear probe needs at least two to tell apart");
    assertFalse(Files.exists(tmp.resolve("o/linear.json")));
  }
}
