package dev.jdino.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.jdino.engine.Torch;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file layout byte for byte (as the safetensors specification gives it), and bad files. */
class SafetensorsTest {
  @TempDir Path dir;

  @BeforeAll
  static void start() {
    Torch.start();
  }

  private Path writeExample() throws Exception {
    Path file = dir.resolve("x.safetensors");
    try (NDManager m = Torch.newManager()) {
      Map<String, NDArray> t = new LinkedHashMap<>();
      t.put("a", m.create(new float[] {1.5f, -2f}, new Shape(2)));
      t.put("b", m.create(new long[] {3, 1L << 40}, new Shape(1, 2)));
      Safetensors.write(file, t, Map.of("k", "v"));
    }
    return file;
  }

  @Test
  void layoutIsTheSpecification() throws Exception {
    byte[] bytes = Files.readAllBytes(writeExample());
    ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long n = bb.getLong(0);
    assertEquals(0, (8 + n) % 8, "data should start 8-byte aligned");
    String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
    assertEquals(
        "{\"__metadata__\":{\"k\":\"v\"},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"I64\",\"shape\":[1,2],\"data_offsets\":[8,24]}}",
        header.stripTrailing());
    byte[] data = Arrays.copyOfRange(bytes, 8 + (int) n, bytes.length);
    assertArrayEquals(
        new byte[] {
          0,
          0,
          (byte) 0xC0,
          0x3F, // 1.5f = 0x3FC00000, little-endian
          0,
          0,
          0,
          (byte) 0xC0, // -2f = 0xC0000000
          3,
          0,
          0,
          0,
          0,
          0,
          0,
          0, // 3L
          0,
          0,
          0,
          0,
          0,
          1,
          0,
          0 // 2^40
        },
        data);
  }

  @Test
  void readsBackWhatItWrote() throws Exception {
    Safetensors st = Safetensors.open(writeExample());
    assertEquals("v", st.metadata().get("k"));
    assertArrayEquals(new float[] {1.5f, -2f}, st.loadFloats("a"));
    assertArrayEquals(new long[] {3, 1L << 40}, st.loadLongs("b"));
    try (NDManager m = Torch.newManager()) {
      NDArray b = st.load(m, "b");
      assertEquals(DataType.INT64, b.getDataType());
      assertEquals(new Shape(1, 2), b.getShape());
      assertArrayEquals(new long[] {3, 1L << 40}, b.toLongArray());
    }
    BadInputException e = assertThrows(BadInputException.class, () -> st.loadLongs("a"));
    assertTrue(e.getMessage().contains("has no I64 tensor named a"), e.getMessage());
  }

  @Test
  void badFilesAreNamedWithWhatIsWrong() throws Exception {
    byte[] good = Files.readAllBytes(writeExample());
    Path truncated = dir.resolve("truncated.safetensors");
    Files.write(truncated, Arrays.copyOf(good, good.length - 1));
    assertMessage(truncated, "tensor b extends past the end of the file (truncated?)");

    Path tiny = dir.resolve("tiny.safetensors");
    Files.write(tiny, new byte[] {1, 2, 3});
    assertMessage(tiny, "shorter than a safetensors header");

    Path hugeHeader = dir.resolve("huge.safetensors");
    byte[] h = good.clone();
    ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
    Files.write(hugeHeader, h);
    assertMessage(hugeHeader, "header length 1099511627776 does not fit");

    Path notJson = dir.resolve("text.safetensors");
    byte[] t = good.clone();
    t[8] = 'x';
    Files.write(notJson, t);
    assertMessage(notJson, "header is not valid JSON");

    assertMessage(dir.resolve("missing.safetensors"), "file not found");
  }

  private static void assertMessage(Path file, String expected) {
    BadInputException e = assertThrows(BadInputException.class, () -> Safetensors.open(file));
    assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
