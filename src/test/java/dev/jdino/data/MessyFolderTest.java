package dev.jdino.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.augment.Image;
import dev.jdino.augment.MultiCropAugmentation;
import dev.jdino.model.Compute;
import dev.jdino.train.DinoConfig;
import dev.jdino.train.DinoTrainer;
import dev.jdino.train.TrainOptions;
import dev.jdino.train.TrainingListener;
import dev.jdino.viz.TinyRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5, item 6: a folder with every kind of bad and odd file. Training runs through it; the bad
 * files are skipped and named in one end-of-epoch summary; the good ones (including the odd but
 * valid ones) are used, upright.
 */
class MessyFolderTest {
  @TempDir Path dir;
  private final Set<String> bad = new TreeSet<>();
  private final Set<String> good = new TreeSet<>();
  private Path unreadable;

  @BeforeEach
  void makeMessyFolder() throws Exception {
    byte[] plain = TestImages.jpeg(TestImages.quadrants(96, 64), 0.9f);
    for (int i = 0; i < 4; i++) {
      good(Files.write(dir.resolve("good" + i + ".jpg"), plain));
    }
    good(Files.write(dir.resolve("cmyk.jpg"), TestImages.cmykJpeg(48, 32)));
    TestImages.png16(dir.resolve("deep.png"), 40, 30);
    good(dir.resolve("deep.png"));
    TestImages.palettePngWithAlpha(dir.resolve("palette.png"), 40, 30);
    good(dir.resolve("palette.png"));
    good(Files.write(dir.resolve("exif.jpg"), TestImages.withExifOrientation(plain, 6, true)));
    TestImages.palettePngWithAlpha(dir.resolve("tiny.png"), 1, 1);
    good(dir.resolve("tiny.png"));
    TestImages.hugeGrayPng(dir.resolve("huge.png"), 20000, 200);
    good(dir.resolve("huge.png"));

    byte[] noisy = TestImages.jpeg(TestImages.noisy(320, 240, 3), 0.9f);
    bad(Files.write(dir.resolve("truncated.jpg"), Arrays.copyOf(noisy, noisy.length / 2)));
    bad(Files.createFile(dir.resolve("empty.jpg")));
    bad(Files.writeString(dir.resolve("notes.jpg"), "not a picture", StandardCharsets.UTF_8));
    Path loop = dir.resolve("loop.jpg");
    bad(Files.createSymbolicLink(loop, loop));
    Files.createDirectories(dir.resolve("sub"));
    Files.createSymbolicLink(dir.resolve("sub/up"), dir); // a directory loop: never listed
    unreadable = Files.write(dir.resolve("locked.jpg"), plain);
    Files.setPosixFilePermissions(unreadable, PosixFilePermissions.fromString("---------"));
    if (Files.isReadable(unreadable)) {
      good(unreadable); // running as root: permissions do not stop reading
    } else {
      bad(unreadable);
    }
  }

  @AfterEach
  void unlock() throws Exception {
    Files.setPosixFilePermissions(unreadable, PosixFilePermissions.fromString("rw-------"));
  }

  private void good(Path p) {
    good.add(p.toString());
  }

  private void bad(Path p) {
    bad.add(p.toString());
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void everyBadFileIsSkippedAndEveryGoodOneUsed(@TempDir Path runDir) throws Exception {
    ImageFolderDataset ds = ImageFolderDataset.open(dir);
    assertEquals(15, ds.size());
    assertTrue(ds.skippedDirectories() >= 1, "the directory loop is reported");
    Set<String> listed = new TreeSet<>();
    for (int i = 0; i < ds.size(); i++) {
      listed.add(ds.describe(i));
    }
    Set<String> all = new TreeSet<>(good);
    all.addAll(bad);
    assertEquals(all, listed);

    // The EXIF-rotated frame comes out upright: blue top-left, red top-right (see quadrants()).
    int exif = 0;
    while (!ds.describe(exif).equals(dir.resolve("exif.jpg").toString())) {
      exif++;
    }
    Image upright = ds.load(exif);
    assertEquals(96, upright.height());
    assertEquals(64, upright.width());
    ReducedDecodeTest.assertCorners(
        upright, TestImages.BLUE, TestImages.RED, TestImages.WHITE, TestImages.GREEN);

    DinoConfig cfg = tiny();
    MultiCropAugmentation aug = new MultiCropAugmentation(cfg.augment());
    Set<String> used = new HashSet<>();
    Set<String> failed = new HashSet<>();
    try (MultiCropLoader loader =
        MultiCropLoader.builder()
            .setDataset(ds)
            .setSampler(CropSampler.augmenting(aug))
            .setBatchSize(5)
            .optWorkers(3)
            .build()) {
      while (loader.hasNext()) {
        for (int index : loader.next().sourceIndices()) {
          used.add(ds.describe(index));
        }
      }
      loader.failures().failures().forEach(f -> failed.add(f.source()));
      assertTrue(loader.failures().count() >= bad.size());
      assertEquals(bad.size(), loader.failures().images());
    }
    assertEquals(good, new TreeSet<>(used), "every good file was used, and only those");
    assertEquals(bad, new TreeSet<>(failed), "every bad file was skipped");

    // A short training run over the folder: it finishes and reports the bad files once.
    List<String> messages = new ArrayList<>();
    TrainingListener l =
        new TrainingListener() {
          @Override
          public void message(String line) {
            messages.add(line);
          }
        };
    TrainOptions o = new TrainOptions(runDir, 2, 0, 1, 0, false, 1, 0, Compute.REFERENCE);
    DinoTrainer.Summary s;
    try (DinoTrainer t = DinoTrainer.open(cfg, o, ds, dir.toString(), l)) {
      s = t.train();
    }
    assertEquals(1.0, s.epochs());
    assertEquals(bad.size(), s.skippedImages(), "each bad file counts once");
    List<String> summaries =
        messages.stream().filter(m -> m.contains("could not be loaded")).toList();
    assertEquals(1, summaries.size(), "one end-of-epoch summary: " + messages);
    for (String b : bad) {
      assertTrue(summaries.get(0).contains(b), b + " in " + summaries.get(0));
    }
    for (String g : good) {
      assertTrue(!summaries.get(0).contains(g + ":"), g + " wrongly reported");
    }
  }

  /** The trainer test's tiny ViT on fmnist-small crops (28 / 12 px). */
  static DinoConfig tiny() {
    return TinyRun.config(1, 5);
  }
}
