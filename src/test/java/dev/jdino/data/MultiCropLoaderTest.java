package dev.jdino.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.io.BadInputException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MultiCropLoaderTest {

  private static MultiCropLoader.Builder loader(ImageDataset ds, int batch, int workers) {
    return MultiCropLoader.builder()
        .setDataset(ds)
        .setSampler(FakeData.sampler())
        .setBatchSize(batch)
        .optSeed(42)
        .optWorkers(workers);
  }

  private static List<MultiCropBatch> drain(MultiCropLoader l) {
    List<MultiCropBatch> out = new ArrayList<>();
    try (l) {
      while (l.hasNext()) {
        out.add(l.next().copy());
      }
    }
    return out;
  }

  @Test
  void dropsTheLastPartialBatchAndLaysCropsOutCropMajor() {
    FakeData.Dataset ds = new FakeData.Dataset(103);
    MultiCropLoader l = loader(ds, 10, 2).optEpoch(3).build();
    int[] order = l.order();
    List<MultiCropBatch> batches = drain(l);
    assertEquals(10, batches.size());
    assertEquals(10, l.batchesPerEpoch());
    for (int k = 0; k < batches.size(); k++) {
      MultiCropBatch b = batches.get(k);
      assertEquals(k, b.index());
      assertEquals(3, b.epoch());
      assertArrayEquals(new long[] {20, 3, 4, 4}, b.globalShape());
      assertArrayEquals(new long[] {30, 3, 2, 2}, b.localShape());
      assertEquals(20 * 3 * 16, b.globalCrops().length);
      assertEquals(30 * 3 * 4, b.localCrops().length);
      for (int s = 0; s < 10; s++) {
        int index = b.sourceIndices()[s];
        assertEquals(order[k * 10 + s], index);
        for (int c = 0; c < 2 + FakeData.LOCALS; c++) {
          boolean global = c < 2;
          int size = global ? FakeData.GLOBAL : FakeData.LOCAL;
          int off = MultiCropBatch.cropOffset(global ? c : c - 2, s, 10, size);
          float[] buf = global ? b.globalCrops() : b.localCrops();
          assertEquals(index + FakeData.CROP_STEP * c, buf[off], "batch " + k + " crop " + c);
          long seed = EpochOrder.sampleSeed(42, 3, (long) k * 10 + s);
          assertEquals((float) (seed >>> 40), buf[off + 1]);
          assertEquals(index + FakeData.CROP_STEP * c, buf[off + 3 * size * size - 1]);
        }
      }
    }
  }

  @Test
  void permutationIsAPermutationThatChangesPerEpochAndSeed() {
    int[] e0 = EpochOrder.permutation(1000, 7, 0);
    int[] sorted = e0.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < sorted.length; i++) {
      assertEquals(i, sorted[i]);
    }
    assertArrayEquals(e0, EpochOrder.permutation(1000, 7, 0));
    assertFalse(Arrays.equals(e0, EpochOrder.permutation(1000, 7, 1)));
    assertFalse(Arrays.equals(e0, EpochOrder.permutation(1000, 8, 0)));
    int fixed = 0;
    for (int i = 0; i < e0.length; i++) {
      fixed += e0[i] == i ? 1 : 0;
    }
    assertTrue(fixed < 10, "a shuffle leaves about 1 element in place, got " + fixed);
    assertNotEquals(EpochOrder.sampleSeed(7, 0, 5), EpochOrder.sampleSeed(7, 1, 5));
    assertNotEquals(EpochOrder.sampleSeed(7, 0, 5), EpochOrder.sampleSeed(7, 0, 6));
  }

  @Test
  void outputDoesNotDependOnWorkerCount() {
    FakeData.Dataset ds = new FakeData.Dataset(97);
    List<MultiCropBatch> one = drain(loader(ds, 8, 1).optEpoch(1).build());
    List<MultiCropBatch> three = drain(loader(ds, 8, 3).optEpoch(1).optPrefetch(1).build());
    List<MultiCropBatch> many = drain(loader(ds, 8, 5).optEpoch(1).optPrefetch(7).build());
    assertEquals(12, one.size());
    for (List<MultiCropBatch> other : List.of(three, many)) {
      assertEquals(one.size(), other.size());
      for (int k = 0; k < one.size(); k++) {
        assertArrayEquals(one.get(k).globalCrops(), other.get(k).globalCrops());
        assertArrayEquals(one.get(k).localCrops(), other.get(k).localCrops());
        assertArrayEquals(one.get(k).sourceIndices(), other.get(k).sourceIndices());
      }
    }
    List<MultiCropBatch> nextEpoch = drain(loader(ds, 8, 2).optEpoch(2).build());
    assertFalse(Arrays.equals(one.get(0).globalCrops(), nextEpoch.get(0).globalCrops()));
  }

  @Test
  void inPlaceSamplerMatchesCopyingSampler() {
    FakeData.Dataset ds = new FakeData.Dataset(40);
    List<MultiCropBatch> copied = drain(loader(ds, 6, 2).build());
    List<MultiCropBatch> inPlace =
        drain(loader(ds, 6, 2).setSampler(FakeData.inPlaceSampler()).build());
    assertEquals(6, inPlace.size());
    for (int k = 0; k < copied.size(); k++) {
      assertArrayEquals(copied.get(k).globalCrops(), inPlace.get(k).globalCrops());
      assertArrayEquals(copied.get(k).localCrops(), inPlace.get(k).localCrops());
    }
  }

  @Test
  void resumingMidEpochGivesTheTailOfAFullEpoch() {
    FakeData.Dataset ds = new FakeData.Dataset(64);
    List<MultiCropBatch> full = drain(loader(ds, 5, 2).optEpoch(4).build());
    List<MultiCropBatch> tail = drain(loader(ds, 5, 3).optEpoch(4).optStartBatch(7).build());
    assertEquals(12, full.size());
    assertEquals(5, tail.size());
    for (int i = 0; i < tail.size(); i++) {
      MultiCropBatch a = full.get(7 + i);
      MultiCropBatch b = tail.get(i);
      assertEquals(a.index(), b.index());
      assertArrayEquals(a.globalCrops(), b.globalCrops());
      assertArrayEquals(a.localCrops(), b.localCrops());
      assertArrayEquals(a.sourceIndices(), b.sourceIndices());
    }
    assertTrue(drain(loader(ds, 5, 2).optStartBatch(12).build()).isEmpty());
  }

  @Test
  void failingImagesAreReplacedCountedAndReported() {
    Set<Integer> bad = Set.of(3, 7, 20, 21, 22);
    FakeData.Dataset ds = new FakeData.Dataset(50, bad, 0);
    MultiCropLoader l = loader(ds, 8, 3).optEpoch(0).build();
    int[] order = l.order();
    List<MultiCropBatch> batches = drain(l);
    assertEquals(6, batches.size());
    Set<Integer> expectedFailed = new TreeSet<>();
    for (int p = 0; p < 48; p++) {
      if (bad.contains(order[p])) {
        expectedFailed.add(order[p]);
      }
    }
    Set<Integer> failedOriginals = new TreeSet<>();
    Set<String> reported = new HashSet<>();
    for (LoadFailures.Failure f : l.failures().failures()) {
      assertTrue(bad.contains(f.index()));
      assertEquals("broken on purpose", f.message());
      reported.add(f.source());
      if (f.attempt() == 0) {
        failedOriginals.add(f.index());
        assertEquals(order[(int) f.position()], f.index());
      }
    }
    assertEquals(expectedFailed, failedOriginals);
    assertTrue(l.failures().count() >= expectedFailed.size());
    assertEquals(l.failures().failures().size(), l.failures().count());
    for (int i : expectedFailed) {
      assertTrue(reported.contains("fake#" + i));
      assertTrue(l.failures().summary(100).contains("fake#" + i + ": broken on purpose"));
    }
    for (MultiCropBatch b : batches) {
      for (int s = 0; s < 8; s++) {
        int index = b.sourceIndices()[s];
        assertFalse(bad.contains(index), "a failed image was used");
        assertEquals((float) index, b.globalCrops()[MultiCropBatch.cropOffset(0, s, 8, 4)]);
      }
    }
    // Replacements are part of the deterministic output too.
    MultiCropLoader again = loader(ds, 8, 1).build();
    List<MultiCropBatch> single = drain(again);
    for (int k = 0; k < 6; k++) {
      assertArrayEquals(batches.get(k).sourceIndices(), single.get(k).sourceIndices());
    }
    assertEquals(l.failures().failures(), again.failures().failures());
  }

  @Test
  void aMostlyCorruptDatasetTrainsOnWhatItHasAndDecodesEachBadFileOnce() {
    // 40 of 45 images fail: 32 random replacements in a row fail often (0.89^32 = 2.4 % a
    // sample), which ended training before; the scan after them finds the 5 good ones
    Set<Integer> bad = new HashSet<>();
    for (int i = 0; i < 40; i++) {
      bad.add(i);
    }
    FakeData.Dataset ds = new FakeData.Dataset(45, bad, 0);
    MultiCropLoader l = loader(ds, 4, 2).optEpoch(0).build();
    List<MultiCropBatch> batches = drain(l);
    assertEquals(11, batches.size());
    for (MultiCropBatch b : batches) {
      for (int index : b.sourceIndices()) {
        assertTrue(index >= 40, "a failed image was used: " + index);
      }
    }
    assertTrue(l.failures().images() <= 40 && l.failures().images() > 0);
    assertTrue(l.failures().count() > l.failures().images(), "bad files are drawn repeatedly");
    String summary = l.failures().summary(3);
    assertTrue(
        summary.startsWith(
            l.failures().images()
                + " images could not be loaded; "
                + l.failures().count()
                + " samples were taken from other images:"),
        summary);
    assertEquals(3, summary.split("\n  fake#", -1).length - 1, "each file listed once: " + summary);
    assertTrue(summary.endsWith("... and " + (l.failures().images() - 3) + " more"), summary);
    // and the batches are the seed's, whichever worker saw a bad file first
    FakeData.Dataset again = new FakeData.Dataset(45, bad, 0);
    MultiCropLoader one = loader(again, 4, 1).build();
    List<MultiCropBatch> single = drain(one);
    for (int k = 0; k < batches.size(); k++) {
      assertArrayEquals(batches.get(k).sourceIndices(), single.get(k).sourceIndices());
    }
    // a bad file is decoded once in the epoch however often it is drawn: 44 samples loaded, plus
    // one failed decode per bad file
    assertEquals(44 + one.failures().images(), again.loads.get());
  }

  @Test
  void allImagesFailingIsBadInput() {
    Set<Integer> all = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      all.add(i);
    }
    try (MultiCropLoader l = loader(new FakeData.Dataset(20, all, 0), 4, 2).build()) {
      BadInputException e = assertThrows(BadInputException.class, l::next);
      assertTrue(e.getMessage().contains("fake(20)"), e.getMessage());
      assertTrue(e.getMessage().contains("none of its 20 images could be read"), e.getMessage());
      assertTrue(e.getMessage().contains("broken on purpose"), e.getMessage());
    }
  }

  @Test
  void workerErrorsReachTheConsumer() {
    CropSampler broken =
        CropSampler.of(
            4,
            0,
            2,
            (img, seed) -> {
              throw new ArithmeticException("sampler bug");
            });
    MultiCropLoader l =
        MultiCropLoader.builder()
            .setDataset(new FakeData.Dataset(10))
            .setSampler(broken)
            .setBatchSize(2)
            .optWorkers(2)
            .build();
    IllegalStateException e = assertThrows(IllegalStateException.class, l::next);
    assertTrue(e.getCause() instanceof ArithmeticException);
    assertFalse(l.hasNext());
  }

  @Test
  void prefetchBoundsTheWorkInFlight() throws Exception {
    FakeData.Dataset ds = new FakeData.Dataset(1000);
    try (MultiCropLoader l = loader(ds, 5, 4).optPrefetch(2).build()) {
      // Nothing consumed: at most prefetch + 1 batches may be prepared.
      assertLoadsSettleAt(15, ds);
      l.next();
      l.next();
      // Holding batch 1: batches 1..3 may exist.
      assertLoadsSettleAt(20, ds);
    }
  }

  private static void assertLoadsSettleAt(int expected, FakeData.Dataset ds) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (ds.loads.get() < expected && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    Thread.sleep(200);
    assertEquals(expected, ds.loads.get());
  }

  @Test
  void closeMidEpochStopsWorkersPromptly() throws Exception {
    FakeData.Dataset slow = new FakeData.Dataset(400, Set.of(), 20);
    MultiCropLoader l = loader(slow, 4, 3).optEpoch(9).build();
    l.next();
    long start = System.nanoTime();
    l.close();
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(millis < 2000, "close took " + millis + " ms");
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      assertFalse(t.getName().startsWith("jdino-loader-e9-") && t.isAlive(), t.getName());
    }
    assertFalse(l.hasNext());
    assertThrows(IllegalStateException.class, l::next);
    assertTrue(slow.loads.get() < 40, "workers kept loading: " + slow.loads.get());
  }

  @Test
  void endOfEpochAndBadSettings() {
    FakeData.Dataset ds = new FakeData.Dataset(6);
    MultiCropLoader l = loader(ds, 3, 1).build();
    l.next();
    l.next();
    assertFalse(l.hasNext());
    assertThrows(NoSuchElementException.class, l::next);
    l.close();
    BadInputException e = assertThrows(BadInputException.class, () -> loader(ds, 7, 1).build());
    assertTrue(e.getMessage().contains("fewer than one batch"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> loader(ds, 3, 0).build());
    assertThrows(IllegalArgumentException.class, () -> loader(ds, 3, 1).optStartBatch(3).build());
    assertEquals(10, MultiCropLoader.batchesPerEpoch(109, 10));
  }
}
