package dev.jdino.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AttentionMasksTest {

  @Test
  void keepsTheSmallestTopSetReachingTheShare() {
    // shares 0.4, 0.3, 0.2, 0.1: 0.6 of the mass needs the top two (0.7).
    float[] a = {0.2f, 0.4f, 0.1f, 0.3f};
    assertArrayEquals(new boolean[] {false, true, false, true}, AttentionMasks.keepMass(a, 0.6));
    // exactly 0.7 needs the same two; 0.71 needs three.
    assertArrayEquals(
        new boolean[] {false, true, false, true}, AttentionMasks.keepMass(a, 0.7 - 1e-9));
    assertArrayEquals(new boolean[] {true, true, false, true}, AttentionMasks.keepMass(a, 0.71));
    assertEquals(0.7, AttentionMasks.massInside(a, AttentionMasks.keepMass(a, 0.6)), 1e-6);
  }

  @Test
  void unnormalisedInputIsNormalised() {
    float[] a = {2, 4, 1, 3};
    assertArrayEquals(new boolean[] {false, true, false, true}, AttentionMasks.keepMass(a, 0.6));
  }

  @Test
  void oneHotKeepsOnlyThePeak() {
    float[] a = {0, 0, 1, 0, 0};
    assertArrayEquals(
        new boolean[] {false, false, true, false, false}, AttentionMasks.keepMass(a, 0.6));
    assertArrayEquals(
        new boolean[] {false, false, true, false, false}, AttentionMasks.keepMass(a, 1.0));
  }

  @Test
  void allEqualKeepsTheHighestIndicesFirst() {
    // 5 equal patches, 0.6 of the mass = 3 patches; ties order by index, higher index = larger.
    float[] a = {1, 1, 1, 1, 1};
    assertArrayEquals(
        new boolean[] {false, false, true, true, true}, AttentionMasks.keepMass(a, 0.6));
    // Ties at the boundary: 0.5 of the mass of 4 equal patches is exactly 2 patches.
    float[] b = {1, 1, 1, 1};
    assertArrayEquals(new boolean[] {false, false, true, true}, AttentionMasks.keepMass(b, 0.5));
  }

  @Test
  void rejectsBadThresholds() {
    assertThrows(IllegalArgumentException.class, () -> AttentionMasks.keepMass(new float[] {1}, 0));
    assertThrows(
        IllegalArgumentException.class, () -> AttentionMasks.keepMass(new float[] {1}, 1.5));
  }
}
