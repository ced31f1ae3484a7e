package dev.jdino.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The rules that fit a recipe to its data and length (hand-computed values). */
class RecipesTest {

  @Test
  void prototypesFollowTheDataSize() {
    assertEquals(1024, Recipes.prototypes(5_000));
    assertEquals(1024, Recipes.prototypes(20_000));
    assertEquals(2048, Recipes.prototypes(20_001));
    assertEquals(4096, Recipes.prototypes(60_000));
    assertEquals(16_384, Recipes.prototypes(100_001));
    assertEquals(65_536, Recipes.prototypes(1_281_167));
  }

  @Test
  void momentumRisesFromPointNinetyNineToTheOfficialValue() {
    assertEquals(0.99, Recipes.momentum(5_000));
    assertEquals(0.99, Recipes.momentum(20_000));
    // 0.99 + 0.006 * (100,000 - 20,000) / (1,281,167 - 20,000) = 0.990381
    assertEquals(0.99, Recipes.momentum(100_000));
    // 0.99 + 0.006 * 630,583.5 / 1,261,167 = 0.993
    assertEquals(0.993, Recipes.momentum(650_583));
    assertEquals(0.996, Recipes.momentum(1_281_167));
    assertEquals(0.996, Recipes.momentum(5_000_000));
  }

  @Test
  void sizingChangesOnlyWhatTheUserDidNotSet() {
    DinoConfig c = DinoConfig.preset("fmnist-fast").withEpochs(2);
    Recipes.Fitted f = Recipes.fit(c, Set.of("head.outDim"), 60_000, 468, true);
    assertEquals(c.head().outDim(), f.config().head().outDim(), "explicit: kept");
    assertEquals(0.99, f.config().train().momentumTeacher());
    // 936 steps: 1 - 5 / 936 = 0.994658 -> 0.99465
    assertEquals(0.99465, f.config().train().momentumTeacherEnd());
    assertEquals(0.2, f.config().train().warmupEpochs(), 1e-12, "10 % of 2 epochs");
    assertTrue(
        f.notes().stream().anyMatch(n -> n.startsWith("sized: lr warm-up 0.2 epochs")),
        f.notes().toString());
    Recipes.Fitted g = Recipes.fit(c, Set.of(), 5_000, 39, true);
    assertEquals(1024, g.config().head().outDim());
  }

  /**
   * A budgeted run fixes K before its step is timed (fitModel), then fits the rest: the same
   * configuration and notes as fitting all at once, so timing the fitted model changes nothing
   * else.
   */
  @Test
  void theModelIsFittedFirstAndTheRestAgreesWithOneFit() {
    DinoConfig c = DinoConfig.preset("fmnist-fast").withEpochs(3);
    Recipes.Fitted model = Recipes.fitModel(c, Set.of(), 5_000, true);
    assertEquals(4096, c.head().outDim());
    assertEquals(1024, model.config().head().outDim());
    assertEquals(List.of("sized: K = 1024 prototypes for 5,000 images"), model.notes());
    assertEquals(Map.of("head.outDim", 1024), model.sized());
    Recipes.Fitted whole = Recipes.fit(c, Set.of(), 5_000, 78, true);
    Recipes.Fitted rest = Recipes.fit(model.config(), Set.of(), 5_000, 78, true);
    assertEquals(whole.config(), rest.config());
    List<String> both = new ArrayList<>(model.notes());
    both.addAll(rest.notes());
    assertEquals(whole.notes(), both);
    // Nothing to fit: not sizing, K given, or K already right.
    assertEquals(c, Recipes.fitModel(c, Set.of(), 5_000, false).config());
    assertEquals(c, Recipes.fitModel(c, Set.of("head.outDim"), 5_000, true).config());
    assertEquals(List.of(), Recipes.fitModel(c, Set.of(), 80_000, true).notes(), "4096 for 80k");
  }

  @Test
  void theTeachersWindowSpansAtMostAFifthOfTheRun() {
    assertEquals(0.94680, Recipes.momentumCap(94), "1 - 5/94 = 0.946809");
    assertEquals(0.99784, Recipes.momentumCap(2_318), "1 - 5/2318 = 0.997843");
    assertEquals(0.99998, Recipes.momentumCap(250_000));
    assertEquals(0.0, Recipes.momentumCap(5));
    assertEquals(0.0, Recipes.momentumCap(3), "never below 0");
  }

  @Test
  void aShortRunGetsAConstantMomentumThatLetsTheTeacherKeepUp() {
    // The demo on a slow machine: 94 steps of the 5,000-image sample at batch 64.
    DinoConfig c = DinoConfig.preset("fmnist-fast").withEpochs(94 / 78.0);
    Recipes.Fitted f = Recipes.fit(c, Set.of(), 5_000, 78, true);
    assertEquals(0.9468, f.config().train().momentumTeacher(), 1e-12, "below the data's 0.99");
    assertEquals(0.9468, f.config().train().momentumTeacherEnd(), 1e-12, "constant");
    assertTrue(
        f.notes().contains("sized: teacher momentum 0.9468 for 5,000 images and 94 steps"),
        f.notes().toString());
    assertTrue(
        f.notes().stream().anyMatch(n -> n.startsWith("sized: final teacher momentum 0.9468")),
        f.notes().toString());
    // A start the user set is kept, and the end never falls below it.
    Recipes.Fitted g = Recipes.fit(c, Set.of("train.momentumTeacher"), 5_000, 78, true);
    assertEquals(0.99, g.config().train().momentumTeacher());
    assertEquals(0.99, g.config().train().momentumTeacherEnd());
    // An end the user set is theirs.
    Recipes.Fitted h = Recipes.fit(c, Set.of("train.momentumTeacherEnd"), 5_000, 78, true);
    assertEquals(1.0, h.config().train().momentumTeacherEnd());
    // Presets named by the user keep the official schedule.
    Recipes.Fitted p = Recipes.fit(DinoConfig.preset("fmnist-small"), Set.of(), 60_000, 468, false);
    assertEquals(1.0, p.config().train().momentumTeacherEnd());
  }

  @Test
  void withoutSizingOnlyWhatDoesNotFitIsCapped() {
    // fmnist-small's 1-epoch warm-up and freeze fit a 3-epoch run: the benchmark stays as it is.
    DinoConfig small = DinoConfig.preset("fmnist-small");
    assertEquals(Map.of(), Recipes.fit(small, Set.of(), 60_000, 468, false).sized());
    // A freeze as long as the run would never let the last layer learn.
    DinoConfig one = small.withEpochs(1);
    Recipes.Fitted f = Recipes.fit(one, Set.of(), 60_000, 468, false);
    assertEquals(0.1, f.config().train().freezeLastLayer(), 1e-12);
    assertEquals(one.train().warmupEpochs(), f.config().train().warmupEpochs());
  }

  @Test
  void capsBeforeBuildingLetAShortRunStart() {
    // The reference's 10-epoch warm-up in a 1-epoch run: the record would refuse it.
    DinoConfig ref = DinoConfig.defaults();
    Recipes.Fitted f = Recipes.capToFit(ref, Map.of("train.epochs", 1.0));
    assertEquals(0.1, (Double) f.sized().get("train.warmupEpochs"), 1e-12);
    assertEquals(0.1, (Double) f.sized().get("train.freezeLastLayer"), 1e-12);
    assertEquals(2, f.notes().size());
    // A warm-up the user set is theirs: no cap (the record then names both flags).
    assertTrue(
        Recipes.capToFit(ref, Map.of("train.epochs", 1.0, "train.warmupEpochs", 10))
                .sized()
                .get("train.warmupEpochs")
            == null);
  }
}
