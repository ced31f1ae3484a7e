package dev.jdino.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.io.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderDatasetTest {
  @TempDir Path root;

  /** root/{b/img2.png, a/IMG1.PNG, a/sub/img3.png, a/notes.txt, a/.hidden.png, a.b/z.png}. */
  private void makeLabelledTree() throws IOException {
    Files.createDirectories(root.resolve("a/sub"));
    Files.createDirectories(root.resolve("b"));
    Files.createDirectories(root.resolve("a.b"));
    ImageDecoderTest.colorPng(root.resolve("b/img2.png"));
    ImageDecoderTest.grayPng(root.resolve("a/IMG1.PNG"));
    ImageDecoderTest.grayPng(root.resolve("a/sub/img3.png"));
    ImageDecoderTest.grayPng(root.resolve("a/.hidden.png"));
    ImageDecoderTest.colorPng(root.resolve("a.b/z.png"));
    Files.writeString(root.resolve("a/notes.txt"), "not an image");
  }

  private static List<String> relativePaths(ImageFolderDataset ds) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < ds.size(); i++) {
      out.add(ds.root().relativize(ds.path(i)).toString());
    }
    return out;
  }

  @Test
  void walksRecursivelyInSortedOrderWithClassFolders() throws Exception {
    makeLabelledTree();
    ImageFolderDataset ds = ImageFolderDataset.open(root);
    // Component-wise order: "a" < "a.b" < "b", and within a: "IMG1.PNG" < "sub".
    assertEquals(
        List.of("a/IMG1.PNG", "a/sub/img3.png", "a.b/z.png", "b/img2.png"), relativePaths(ds));
    assertTrue(ds.hasLabels());
    assertEquals(List.of("a", "a.b", "b"), ds.classNames());
    assertArrayEquals(
        new int[] {0, 0, 1, 2}, new int[] {ds.label(0), ds.label(1), ds.label(2), ds.label(3)});
    assertArrayEquals(ImageDecoderTest.expectedGray(), ds.load(0).data());
    assertArrayEquals(ImageDecoderTest.expectedColor(), ds.load(3).data());
    assertEquals(ds.path(3).toString(), ds.describe(3));
  }

  @Test
  void theNameCountsInTheSingularForOne() throws Exception {
    Files.createDirectories(root.resolve("cat"));
    ImageDecoderTest.grayPng(root.resolve("cat/one.png"));
    assertEquals(root + " (1 image, 1 class)", ImageFolderDataset.open(root).name());
    ImageDecoderTest.grayPng(root.resolve("cat/two.png"));
    Files.createDirectories(root.resolve("dog"));
    ImageDecoderTest.grayPng(root.resolve("dog/three.png"));
    assertEquals(root + " (3 images, 2 classes)", ImageFolderDataset.open(root).name());
  }

  @Test
  void anImageAtTheTopMakesItUnlabelled() throws Exception {
    makeLabelledTree();
    ImageDecoderTest.colorPng(root.resolve("top.gif.png"));
    ImageFolderDataset ds = ImageFolderDataset.open(root);
    assertEquals(5, ds.size());
    assertFalse(ds.hasLabels());
    assertEquals(List.of(), ds.classNames());
    assertThrows(UnsupportedOperationException.class, () -> ds.label(0));
  }

  @Test
  void badFilesFailOnLoadOnly() throws Exception {
    ImageDecoderTest.grayPng(root.resolve("good.png"));
    Files.writeString(root.resolve("text.jpg"), "hello");
    byte[] png = Files.readAllBytes(root.resolve("good.png"));
    Files.write(root.resolve("corrupt.png"), Arrays.copyOf(png, 40));
    ImageFolderDataset ds = ImageFolderDataset.open(root);
    assertEquals(List.of("corrupt.png", "good.png", "text.jpg"), relativePaths(ds));
    IOException e = assertThrows(IOException.class, () -> ds.load(0));
    assertTrue(e.getMessage().contains("corrupt.png"), e.getMessage());
    e = assertThrows(IOException.class, () -> ds.load(2));
    assertTrue(e.getMessage().contains("text.jpg"), e.getMessage());
    assertArrayEquals(ImageDecoderTest.expectedGray(), ds.load(1).data());
  }

  @Test
  void extensionsAreCaseInsensitive() {
    for (String n : new String[] {"a.jpg", "b.JPEG", "c.Png", "d.bmp", "e.GIF"}) {
      assertTrue(ImageFolderDataset.hasImageExtension(Path.of(n)), n);
    }
    for (String n : new String[] {"a.txt", "jpg", "b.jpg.txt", "c.webp", ".png"}) {
      assertFalse(ImageFolderDataset.hasImageExtension(Path.of(n)), n);
    }
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void symlinkLoopDoesNotHang() throws Exception {
    Files.createDirectories(root.resolve("x/y"));
    ImageDecoderTest.grayPng(root.resolve("x/y/one.png"));
    try {
      Files.createSymbolicLink(root.resolve("x/y/up"), root);
      Files.createSymbolicLink(root.resolve("x/self"), root.resolve("x"));
    } catch (UnsupportedOperationException | IOException e) {
      Assumptions.abort("symbolic links not supported here: " + e);
    }
    ImageFolderDataset ds = ImageFolderDataset.open(root);
    assertEquals(List.of("x/y/one.png"), relativePaths(ds));
    assertTrue(ds.skippedDirectories() >= 2, "loops reported: " + ds.skippedDirectories());
  }

  @Test
  void symlinkedClassFolderIsFollowed() throws Exception {
    Path elsewhere = Files.createDirectories(root.resolve("store/cats"));
    ImageDecoderTest.grayPng(elsewhere.resolve("c.png"));
    Path data = Files.createDirectories(root.resolve("data"));
    Files.createDirectories(data.resolve("dogs"));
    ImageDecoderTest.colorPng(data.resolve("dogs/d.png"));
    try {
      Files.createSymbolicLink(data.resolve("cats"), elsewhere);
    } catch (UnsupportedOperationException | IOException e) {
      Assumptions.abort("symbolic links not supported here: " + e);
    }
    ImageFolderDataset ds = ImageFolderDataset.open(data);
    assertEquals(List.of("cats", "dogs"), ds.classNames());
    assertEquals(2, ds.size());
  }

  @Test
  void unreadableDirectoryIsSkipped() throws Exception {
    ImageDecoderTest.grayPng(root.resolve("ok.png"));
    Path locked = Files.createDirectories(root.resolve("locked"));
    ImageDecoderTest.grayPng(locked.resolve("hidden.png"));
    try {
      Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
    } catch (UnsupportedOperationException e) {
      Assumptions.abort("no POSIX permissions here");
    }
    try {
      // root can read anything; then there is nothing to test.
      Assumptions.assumeFalse(Files.isReadable(locked), "running with read-all privileges");
      ImageFolderDataset ds = ImageFolderDataset.open(root);
      assertEquals(List.of("ok.png"), relativePaths(ds));
      assertEquals(1, ds.skippedDirectories());
    } finally {
      Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
    }
  }

  @Test
  void emptyOrMissingFolderIsBadInput() throws Exception {
    Files.createDirectories(root.resolve("empty/deeper"));
    Files.writeString(root.resolve("empty/readme.txt"), "no images here");
    BadInputException e =
        assertThrows(BadInputException.class, () -> ImageFolderDataset.open(root.resolve("empty")));
    assertTrue(e.getMessage().contains(root.resolve("empty").toString()), e.getMessage());
    assertTrue(e.getMessage().contains("no images"), e.getMessage());
    e = assertThrows(BadInputException.class, () -> ImageFolderDataset.open(root.resolve("nope")));
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }
}
