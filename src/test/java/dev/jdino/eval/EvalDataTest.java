package dev.jdino.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.augment.Image;
import dev.jdino.data.ImageDataset;
import dev.jdino.io.BadInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

class EvalDataTest {

  @Test
  void fashionMnistNamesImplyTheirTestSplit() {
    assertEquals("fmnist:test", EvalData.impliedTestSpec("fmnist"));
    assertEquals("fmnist:test", EvalData.impliedTestSpec("fmnist:train"));
    assertEquals("fashion-mnist:test", EvalData.impliedTestSpec("fashion-mnist"));
    assertEquals("fmnist-sample:test", EvalData.impliedTestSpec("FMNIST-sample"));
    assertNull(EvalData.impliedTestSpec("fmnist:test"));
    assertNull(EvalData.impliedTestSpec("/data/imagenet/train"));
    assertNull(EvalData.impliedTestSpec("idx:a:b"));
  }

  @Test
  void subsetsAreFixedSortedAndBounded() {
    assertArrayEquals(FeatureExtractor.identity(10), EvalData.subset(10, 0));
    assertArrayEquals(FeatureExtractor.identity(10), EvalData.subset(10, 10));
    int[] s = EvalData.subset(1000, 50);
    assertEquals(50, s.length);
    assertArrayEquals(s, EvalData.subset(1000, 50));
    for (int i = 1; i < s.length; i++) {
      assertTrue(s[i] > s[i - 1]);
    }
    // Spread over the set, not its first rows.
    assertTrue(s[s.length - 1] > 500, "last " + s[s.length - 1]);
  }

  @Test
  void classNamesMustAgree() {
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () ->
                EvalData.requireSameClasses(
                    named(List.of("cat", "dog")), named(List.of("cat", "cow"))));
    assertTrue(
        e.getMessage().contains("[cat, dog]") && e.getMessage().contains("[cat, cow]"),
        e.getMessage());
    EvalData.requireSameClasses(named(List.of("a", "b")), named(List.of("a", "b")));
    EvalData.requireSameClasses(named(List.of("a", "b")), named(List.of()));
  }

  private static ImageDataset named(List<String> classes) {
    return new ImageDataset() {
      @Override
      public int size() {
        return 1;
      }

      @Override
      public Image load(int index) {
        return Image.zeros(1, 1);
      }

      @Override
      public String describe(int index) {
        return "x";
      }

      @Override
      public String name() {
        return "x";
      }

      @Override
      public List<String> classNames() {
        return classes;
      }
    };
  }
}
