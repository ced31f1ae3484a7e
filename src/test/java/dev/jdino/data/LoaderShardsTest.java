package dev.jdino.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jdino.io.BadInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Data-parallel shards ({@code optShard}): the N ranks' batches k are together the global batch k
 * of one loader with batch N*B, sample by sample (same source image, same crops), in the
 * DistributedSampler's interleaved order.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoaderShardsTest {
  private static List<MultiCropBatch> epoch(
      FakeData.Dataset ds, int batch, int rank, int world, int startBatch) {
    List<MultiCropBatch> out = new ArrayList<>();
    try (MultiCropLoader l =
        MultiCropLoader.builder()
            .setDataset(ds)
            .setSampler(FakeData.sampler())
            .setBatchSize(batch)
            .optSeed(42)
            .optEpoch(2)
            .optStartBatch(startBatch)
            .optShard(rank, world)
            .optWorkers(2)
            .build()) {
      while (l.hasNext()) {
        out.add(l.next().copy());
      }
    }
    return out;
  }

  @Test
  void ranksTakeInterleavedSharesOfTheGlobalBatch() {
    FakeData.Dataset ds = new FakeData.Dataset(103);
    for (int world : new int[] {2, 3}) {
      int perRank = 4;
      int global = perRank * world;
      List<MultiCropBatch> whole = epoch(ds, global, 0, 1, 0);
      // 103 images: 8 global batches of 12 (or 12 of 8 with 2 ranks); the tail is dropped
      assertEquals(103 / global, whole.size(), "world " + world);
      for (int r = 0; r < world; r++) {
        List<MultiCropBatch> mine = epoch(ds, perRank, r, world, 0);
        assertEquals(whole.size(), mine.size(), "every rank makes the same number of steps");
        for (int k = 0; k < mine.size(); k++) {
          for (int s = 0; s < perRank; s++) {
            int g = s * world + r;
            String where = "world " + world + " rank " + r + " batch " + k + " sample " + s;
            assertEquals(whole.get(k).sourceIndices()[g], mine.get(k).sourceIndices()[s], where);
            assertArrayEquals(
                crops(whole.get(k), g, global), crops(mine.get(k), s, perRank), where);
          }
        }
      }
    }
  }

  @Test
  void aResumedShardContinuesWithTheSameBatches() {
    FakeData.Dataset ds = new FakeData.Dataset(64);
    List<MultiCropBatch> full = epoch(ds, 4, 1, 2, 0);
    List<MultiCropBatch> tail = epoch(ds, 4, 1, 2, 5);
    assertEquals(8, full.size());
    assertEquals(3, tail.size());
    for (int k = 0; k < 3; k++) {
      assertEquals(5 + k, tail.get(k).index());
      assertArrayEquals(full.get(5 + k).sourceIndices(), tail.get(k).sourceIndices());
      assertArrayEquals(full.get(5 + k).globalCrops(), tail.get(k).globalCrops());
    }
  }

  @Test
  void aWorldOfOneIsTheLoaderWithoutShards() {
    FakeData.Dataset ds = new FakeData.Dataset(50);
    List<MultiCropBatch> a = epoch(ds, 8, 0, 1, 0);
    List<MultiCropBatch> b = new ArrayList<>();
    try (MultiCropLoader l =
        MultiCropLoader.builder()
            .setDataset(ds)
            .setSampler(FakeData.sampler())
            .setBatchSize(8)
            .optSeed(42)
            .optEpoch(2)
            .build()) {
      while (l.hasNext()) {
        b.add(l.next().copy());
      }
    }
    assertEquals(a.size(), b.size());
    for (int k = 0; k < a.size(); k++) {
      assertArrayEquals(a.get(k).sourceIndices(), b.get(k).sourceIndices());
      assertArrayEquals(a.get(k).globalCrops(), b.get(k).globalCrops());
      assertArrayEquals(a.get(k).localCrops(), b.get(k).localCrops());
    }
  }

  @Test
  void tooLittleDataOrABadRankIsRefused() {
    FakeData.Dataset ds = new FakeData.Dataset(15);
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () ->
                MultiCropLoader.builder()
                    .setDataset(ds)
                    .setSampler(FakeData.sampler())
                    .setBatchSize(8)
                    .optShard(0, 2)
                    .build());
    assertTrue(
        e.getMessage()
            .endsWith(
                "has 15 images, fewer than one batch of 8 on each of 2"
                    + " ranks (the last incomplete batch is dropped); give --batch-size 7 or"
                    + " less"),
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> MultiCropLoader.builder().optShard(2, 2));
  }

  /** Every crop of sample s (2 global, then the local ones) as one array. */
  private static float[] crops(MultiCropBatch b, int s, int batch) {
    int g = 3 * FakeData.GLOBAL * FakeData.GLOBAL;
    int l = 3 * FakeData.LOCAL * FakeData.LOCAL;
    float[] out = new float[2 * g + FakeData.LOCALS * l];
    for (int c = 0; c < 2; c++) {
      System.arraycopy(
          b.globalCrops(), MultiCropBatch.cropOffset(c, s, batch, FakeData.GLOBAL), out, c * g, g);
    }
    for (int c = 0; c < FakeData.LOCALS; c++) {
      System.arraycopy(
          b.localCrops(),
          MultiCropBatch.cropOffset(c, s, batch, FakeData.LOCAL),
          out,
          2 * g + c * l,
          l);
    }
    return out;
  }
}
