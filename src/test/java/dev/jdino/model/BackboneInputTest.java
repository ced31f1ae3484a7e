package dev.jdino.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.jdino.engine.Torch;
import dev.jdino.io.BadInputException;
import dev.jdino.testing.Fixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Mistaken arguments to the Java API (ViT 16/2 blocks/2 heads, patch 4, from a .pth fixture): each
 * is refused in one line that names the value and what was expected, never with a
 * NullPointerException or an engine message, and never silently computed.
 */
class BackboneInputTest {
  private static final Path FLAT = Fixtures.path("pth/vit_flat.pth");
  static Backbone backbone;

  @BeforeAll
  static void open() {
    Torch.start();
    backbone = Backbone.load(FLAT, "teacher", 2);
  }

  @AfterAll
  static void close() {
    backbone.close();
  }

  private static <T extends Throwable> String refused(
      Class<T> type, Executable call, String... parts) {
    String m = assertThrows(type, call).getMessage();
    assertTrue(m != null && !m.contains("\n"), "one line: " + m);
    for (String p : parts) {
      assertTrue(m.contains(p), "expected '" + p + "' in: " + m);
    }
    return m;
  }

  private static NDArray images(NDManager m, DataType type) {
    return m.ones(new Shape(1, 3, 16, 16), type);
  }

  @Test
  void nullArgumentsAreNamed() {
    refused(IllegalArgumentException.class, () -> Backbone.load(null), "path");
    refused(BadInputException.class, () -> Backbone.load(FLAT, null, 2), "key null", "teacher");
    refused(
        IllegalArgumentException.class,
        () -> Backbone.load(FLAT, "teacher", 2, (Compute) null),
        "compute");
    refused(IllegalArgumentException.class, () -> Backbone.random(null, 0), "config");
    refused(
        IllegalArgumentException.class,
        () -> Backbone.random(new VitConfig(16, 4, 16, 2, 2, 4.0, true, 0), 0, null),
        "compute");
    refused(IllegalArgumentException.class, () -> backbone.features((NDArray) null), "images");
    refused(
        IllegalArgumentException.class, () -> backbone.features(null, 1, 16, 16), "images", "null");
  }

  @Test
  void aNullFeatureKindIsRefusedNotTakenForAvgpool() {
    try (NDScope s = new NDScope()) {
      NDArray x = images(backbone.manager(), DataType.FLOAT32);
      refused(IllegalArgumentException.class, () -> backbone.features(x, null), "kind");
    }
  }

  @Test
  void imagesOfAnotherTypeAreRefusedByName() {
    try (NDScope s = new NDScope()) {
      for (DataType t :
          new DataType[] {
            DataType.FLOAT64, DataType.FLOAT16, DataType.INT32, DataType.UINT8, DataType.BOOLEAN
          }) {
        NDArray x = images(backbone.manager(), t);
        String m =
            refused(
                IllegalArgumentException.class,
                () -> backbone.features(x),
                "float32",
                t.toString());
        assertTrue(!m.contains("bias type"), m);
        refused(IllegalArgumentException.class, () -> backbone.tokens(x), "float32");
        refused(IllegalArgumentException.class, () -> backbone.lastSelfAttention(x), "float32");
        refused(IllegalArgumentException.class, () -> backbone.intermediateLayers(x, 1), "float32");
      }
    }
  }

  @Test
  void anArrayWhoseManagerWasClosedIsNamed() {
    NDManager gone = Torch.newManager();
    NDArray x = images(gone, DataType.FLOAT32);
    gone.close();
    refused(IllegalArgumentException.class, () -> backbone.features(x), "images", "closed");
  }

  @Test
  void theArrayOverloadChecksItsLengthAndSizes() {
    refused(
        IllegalArgumentException.class,
        () -> backbone.features(new float[10], 1, 16, 16),
        "1 x 3 x 16 x 16 = 768",
        "got 10");
    // Extra floats used to be ignored without a word: a mistaken batch or size.
    refused(
        IllegalArgumentException.class,
        () -> backbone.features(new float[2 * 768], 1, 16, 16),
        "= 768",
        "got 1536");
    refused(
        IllegalArgumentException.class,
        () -> backbone.features(new float[768], -1, 16, 16),
        "batch -1");
    refused(
        IllegalArgumentException.class, () -> backbone.features(new float[768], 1, -16, 16), "-16");
    refused(
        IllegalArgumentException.class,
        () -> backbone.features(new float[768], 65536, 65536, 16),
        "got 768");
    assertEquals(0, backbone.features(new float[0], 0, 16, 16).length);
    assertEquals(16, backbone.features(new float[768], 1, 16, 16)[0].length);
  }

  @Test
  void aClosedBackboneSaysSo() {
    Backbone b = Backbone.load(FLAT, "teacher", 2);
    b.close();
    b.close(); // twice is harmless
    try (NDManager m = Torch.newManager();
        NDScope s = new NDScope()) {
      NDArray x = images(m, DataType.FLOAT32);
      for (Executable call :
          new Executable[] {
            () -> b.features(x),
            () -> b.features(x, FeatureKind.CLS_AVGPOOL),
            () -> b.tokens(x),
            () -> b.lastSelfAttention(x),
            () -> b.intermediateLayers(x, 1),
            () -> b.features(new float[768], 1, 16, 16),
            b::manager,
            b::parameters,
            b::network
          }) {
        refused(IllegalStateException.class, call, "closed", "vit_flat.pth");
      }
    }
    // What it was stays readable.
    assertEquals(16, b.config().embedDim());
  }
}
