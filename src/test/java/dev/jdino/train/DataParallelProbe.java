package dev.jdino.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.jdino.dist.Collectives;
import dev.jdino.dist.Distributed;
import dev.jdino.engine.Torch;
import dev.jdino.model.Compute;
import dev.jdino.train.LossConfig.Centering;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.StringJoiner;

/**
 * One rank of the data-parallel training tests ({@link DataParallelTrainingTest}, started under
 * {@code mpirun -np 2}). Scenarios:
 *
 * <ul>
 *   <li>{@code train DIR BATCH MAX_STEPS [KILL_AT [kill|halt]]}: trains {@link #config} with BATCH
 *       images per rank in DIR, stopping after MAX_STEPS steps (0: the whole run); with KILL_AT,
 *       rank 1 dies (SIGKILL, or halt with status 3) at the backward pass of that step;
 *   <li>{@code loss OUT}: the loss's global-batch statistics on known inputs, and the same computed
 *       by one process on the whole batch, written to {@code OUT/rank<r>.txt}.
 * </ul>
 *
 * Nothing is checked here: the JUnit test compares what the ranks wrote.
 */
public final class DataParallelProbe {
  /** Images in the training scenarios: 4 steps of 16 per epoch. */
  static final int IMAGES = 64;

  private DataParallelProbe() {}

  /**
   * The tiny model of the trainer tests, made to exercise everything a split batch could get wrong:
   * drop path on, no warm-up (the full learning rate from step 0), no frozen last layer, and a
   * clipping norm small enough that every tensor's gradient is clipped (clipping before averaging
   * would then show).
   */
  static DinoConfig config(int batchPerRank) {
    return DinoTrainerTest.tiny(2, batchPerRank)
        .with(
            Map.of(
                "vit.dropPathRate",
                0.2,
                "train.warmupEpochs",
                0,
                "train.freezeLastLayer",
                0,
                "train.clipGrad",
                0.05));
  }

  static TrainOptions options(Path dir, long maxSteps) {
    return new TrainOptions(dir, 1, 0, 1, 0, false, 1, maxSteps, Compute.REFERENCE);
  }

  public static void main(String[] args) throws Exception {
    System.setProperty("ai.djl.offline", "true");
    String scenario = args[0];
    try (Collectives c = Distributed.fromEnvironment()) {
      Torch.start(1);
      switch (scenario) {
        case "train" ->
            train(
                c,
                Path.of(args[1]),
                Integer.parseInt(args[2]),
                Long.parseLong(args[3]),
                args.length > 4 ? Long.parseLong(args[4]) : -1,
                args.length > 5 ? args[5] : "kill");
        case "loss" -> loss(c, Path.of(args[1]));
        default -> throw new IllegalArgumentException("unknown scenario " + scenario);
      }
      System.out.println("rank " + c.rank() + " finished " + scenario);
    }
  }

  private static void train(
      Collectives c, Path dir, int batch, long maxSteps, long killAt, String how) throws Exception {
    TrainingListener listener = TrainingListener.NONE;
    if (c.rank() == 1 && killAt >= 0) {
      listener =
          new TrainingListener() {
            long step = -1;

            @Override
            public void started(String description, long startStep, long totalSteps) {
              step = startStep;
            }

            @Override
            public void step(Step s) {
              step = s.globalStep();
            }

            @Override
            public void begin(DinoStep.Phase phase) {
              if (phase == DinoStep.Phase.BACKWARD && step == killAt) {
                System.out.println("rank 1 dies in step " + step);
                System.out.flush();
                if (how.equals("halt")) {
                  Runtime.getRuntime().halt(3);
                }
                try {
                  new ProcessBuilder("kill", "-9", Long.toString(ProcessHandle.current().pid()))
                      .start();
                  Thread.sleep(120_000);
                } catch (IOException | InterruptedException e) {
                  Runtime.getRuntime().halt(5);
                }
              }
            }
          };
    }
    try (DinoTrainer t =
        DinoTrainer.open(
            config(batch),
            options(dir, maxSteps),
            DinoTrainerTest.sample(IMAGES),
            "fmnist-sample",
            listener,
            DataParallel.over(c))) {
      t.train();
    }
  }

  /** Global batch 6 (3 per rank), K = 16, 4 views; rows of sample j go to rank j mod 2. */
  private static void loss(Collectives c, Path out) throws IOException {
    int n = c.size();
    int global = 6;
    int local = global / n;
    int k = 16;
    int views = 4;
    float[] teacher = values(2 * global * k, 0.37f, 3f);
    float[] student = values(views * global * k, 0.91f, 2f);
    float[] center = values(k, 1.7f, 0.5f);
    LossConfig ema = new LossConfig(0.1, 0.04, 0.04, 0, 0.9, Centering.EMA, 0);
    LossConfig sk = new LossConfig(0.1, 0.04, 0.04, 0, 0.9, Centering.SINKHORN_KNOPP, 0);
    try (NDManager m = Torch.newManager();
        NDScope scope = new NDScope();
        PrintWriter w =
            new PrintWriter(
                Files.newBufferedWriter(
                    out.resolve("rank" + c.rank() + ".txt"), StandardCharsets.UTF_8))) {
      NDArray t = m.create(teacher, new Shape(2L * global, k));
      NDArray s = m.create(student, new Shape((long) views * global, k));
      NDArray tl = m.create(mine(teacher, 2, global, k, c.rank(), n), new Shape(2L * local, k));
      NDArray sl =
          m.create(
              mine(student, views, global, k, c.rank(), n), new Shape((long) views * local, k));
      for (LossConfig cfg : new LossConfig[] {ema, sk}) {
        String name = cfg.centering() == Centering.EMA ? "ema" : "sk";
        try (DinoLoss whole = new DinoLoss(m, k, cfg);
            DinoLoss part = new DinoLoss(m, k, cfg)) {
          whole.setCenter(center);
          part.setCenter(center);
          part.distributeOver(c);
          w.println(name + "_whole_loss " + whole.forward(s, t, 0.04).value());
          w.println(name + "_part_loss " + part.forward(sl, tl, 0.04).value());
          whole.updateCenter(t);
          part.updateCenter(tl);
          w.println(name + "_whole_center " + joined(whole.center().toFloatArray()));
          w.println(name + "_part_center " + joined(part.center().toFloatArray()));
        }
      }
      w.println("sk_whole_q " + joined(DinoLoss.sinkhornKnopp(t, 0.04).toFloatArray()));
      w.println("sk_part_q " + joined(DinoLoss.sinkhornKnopp(tl, 0.04, c).toFloatArray()));
    }
  }

  /** Deterministic logits: a * sin(f * i), distinct per element. */
  static float[] values(int count, float f, float a) {
    float[] v = new float[count];
    for (int i = 0; i < count; i++) {
      v[i] = a * (float) Math.sin(f * i + 0.1 * (i % 7));
    }
    return v;
  }

  /**
   * The rows of rank r of n from crop-major logits (crops, B, K): sample s of the rank is global
   * sample s * n + r.
   */
  static float[] mine(float[] all, int crops, int global, int k, int r, int n) {
    int local = global / n;
    float[] out = new float[crops * local * k];
    for (int c = 0; c < crops; c++) {
      for (int s = 0; s < local; s++) {
        System.arraycopy(all, (c * global + s * n + r) * k, out, (c * local + s) * k, k);
      }
    }
    return out;
  }

  private static String joined(float[] v) {
    StringJoiner j = new StringJoiner(" ");
    for (float x : v) {
      j.add(Float.toString(x));
    }
    return j.toString();
  }
}
