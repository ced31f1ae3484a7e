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
import java.util.Set;
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

  /**
   * Synthetic labels are index % 3: train 0..3 holds classes 0, 1, 2, 0; test 0..8 each 3 times.
   */
  @Test
  void classesLeftWithoutTrainingImagesAreNamedWithWhy() {
    ImageDataset test = EvalFixtures.synthetic(9, Set.of());
    assertEquals(
        List.of(),
        EvalData.classesWithoutTraining(
            EvalFixtures.synthetic(4, Set.of()), List.of(), test, List.of()));
    assertEquals(
        List.of("class 1 (3 test images; its one training image could not be decoded)"),
        EvalData.classesWithoutTraining(
            EvalFixtures.synthetic(4, Set.of()), List.of(1), test, List.of()));
    assertEquals(
        List.of("class 2 (2 test images; none in the training data)"),
        EvalData.classesWithoutTraining(
            EvalFixtures.synthetic(2, Set.of()), List.of(), test, List.of(5)));
    // a class whose test images were all left out cannot be misclassified
    assertEquals(
        List.of(),
        EvalData.classesWithoutTraining(
            EvalFixtures.synthetic(2, Set.of()), List.of(), test, List.of(2, 5, 8)));
    assertEquals(
        "note: 2 classes of the test data have no training image, so their test images can only"
            + " be misclassified: a; b",
        EvalData.missingClassesNote(List.of("a", "b")));
    assertNull(EvalData.missingClassesNote(List.of()));
  }
}
