package dev.jdino.cli;

import dev.jdino.augment.AugmentConfig;
import dev.jdino.augment.Image;
import dev.jdino.augment.MultiCropAugmentation;
import dev.jdino.bdd.SyntheticFrames;
import dev.jdino.data.CropSampler;
import dev.jdino.data.DataSources;
import dev.jdino.data.DecodeSize;
import dev.jdino.data.ImageDataset;
import dev.jdino.data.MultiCropLoader;
import dev.jdino.io.BadInputException;
import dev.jdino.io.ConfigException;
import dev.jdino.io.OutputPaths;
import dev.jdino.train.DinoConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jdino bench data}: throughput of the whole input pipeline without a model: decoding,
 * multi-crop augmentation and batching on the loader's worker threads, exactly as training runs it.
 * Training is input-bound when this number is not comfortably above what {@code jdino bench train}
 * reports for the same configuration.
 */
@Command(
    name = "data",
    description = {
      "Measure the multi-crop input pipeline (decode + crops, no model) in source" + " images/s.",
      "--make-jpegs N --dir D first writes N synthetic 1280x720 dash-cam JPEGs."
    })
public final class BenchDataCommand extends Subcommand {
  @Option(
      names = "--data",
      paramLabel = "SPEC",
      description = "Images to read (a folder, coco:..., any --data value); default: --dir.")
  String data;

  @Option(
      names = "--make-jpegs",
      paramLabel = "N",
      description = "Write N synthetic 1280x720 JPEGs into --dir first.")
  int makeJpegs;

  @Option(names = "--dir", paramLabel = "DIR", description = "Folder for --make-jpegs.")
  Path dir;

  @Option(
      names = "--jpeg-size",
      paramLabel = "WxH",
      defaultValue = "1280x720",
      description = "Size of the synthetic JPEGs (default ${DEFAULT-VALUE}).")
  String jpegSize;

  @Option(
      names = "--preset",
      paramLabel = "NAME",
      defaultValue = "fmnist-small",
      description =
          "Crop configuration: fmnist-small or reference (224/96, 8 local crops;"
              + " default ${DEFAULT-VALUE}).")
  String preset;

  @Option(names = "--global-crop-size", paramLabel = "PX", description = "Override the preset.")
  Integer globalCropSize;

  @Option(names = "--local-crop-size", paramLabel = "PX", description = "Override the preset.")
  Integer localCropSize;

  @Option(names = "--local-crops-number", paramLabel = "N", description = "Override the preset.")
  Integer localCropsNumber;

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      defaultValue = "64",
      description = "Source images per batch (default ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--num-workers",
      paramLabel = "N",
      description = "Loader threads (default min(4, cores)).")
  Integer numWorkers;

  @Option(
      names = "--batches",
      paramLabel = "N",
      defaultValue = "20",
      description = "Measured batches (default ${DEFAULT-VALUE}).")
  int batches;

  @Option(
      names = "--warmup",
      paramLabel = "N",
      defaultValue = "2",
      description = "Unmeasured batches first (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--compare-full-decode",
      description = "Also measure with every image decoded at full resolution.")
  boolean compareFullDecode;

  @Option(
      names = "--json",
      paramLabel = "FILE",
      description =
          "Also write the figures as JSON (machine, images/s, ms per image); an earlier file"
              + " there is kept beside it.")
  Path json;

  @Override
  public Integer call() throws IOException {
    OutputPaths.requireCreatable(json, "--json", false);
    PrintWriter out = out();
    if (makeJpegs > 0) {
      if (dir == null) {
        throw new BadInputException("--make-jpegs needs --dir");
      }
      int[] wh = parseSize(jpegSize);
      long t0 = System.nanoTime();
      SyntheticFrames.write(
          dir, makeJpegs, wh[0], wh[1], 0, Runtime.getRuntime().availableProcessors());
      out.printf(
          Locale.ROOT,
          "wrote %d synthetic %dx%d JPEGs into %s (%.1f s)%n",
          makeJpegs,
          wh[0],
          wh[1],
          dir,
          (System.nanoTime() - t0) / 1e9);
    }
    String spec = data != null ? data : dir != null ? dir.toString() : null;
    if (spec == null) {
      throw new BadInputException("give --data, or --make-jpegs N --dir DIR");
    }
    ImageDataset dataset = DataSources.open(spec);
    AugmentConfig cfg = augmentConfig();
    MultiCropAugmentation aug = new MultiCropAugmentation(cfg);
    CropSampler reduced = CropSampler.augmenting(aug);
    int workers =
        numWorkers != null
            ? numWorkers
            : Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    if (batches < 1) {
      throw new BadInputException("--batches " + batches + ": expected at least 1");
    }
    if (warmup < 0) {
      throw new BadInputException("--warmup " + warmup + ": expected 0 or more batches");
    }
    if (batchSize < 1) {
      throw new BadInputException("--batch-size " + batchSize + ": expected at least 1");
    }
    if (workers < 1) {
      throw new BadInputException("--num-workers " + workers + ": expected at least 1");
    }
    out.printf(
        Locale.ROOT,
        "jdino bench data: %s; crops 2x%d + %dx%d; batch %d; %d workers on %d" + " cores%n",
        dataset.name(),
        cfg.globalCropSize(),
        cfg.localCropsNumber(),
        cfg.localCropSize(),
        batchSize,
        workers,
        Runtime.getRuntime().availableProcessors());
    out.printf(
        Locale.ROOT,
        "decode rule: shorter side >= %d px (global %d/sqrt(%.2f), local"
            + " %d/sqrt(%.2f)); a 1280x720 frame decodes at 1/%d%n",
        reduced.minSourceSide(),
        cfg.globalCropSize(),
        cfg.globalCrops().scale().min(),
        cfg.localCropSize(),
        cfg.localCrops().scale().min(),
        DecodeSize.subsampling(1280, 720, reduced.minSourceSide()));
    out.flush();
    Map<String, Object> record = BenchRecord.start("jdino bench data");
    record.put("data", dataset.name());
    record.put("images", dataset.size());
    record.put(
        "crops",
        cfg.globalCropSize() + " x 2 + " + cfg.localCropSize() + " x " + cfg.localCropsNumber());
    record.put("batch", batchSize);
    record.put("batches", batches);
    record.put("workers", workers);
    record.put("min_source_side", reduced.minSourceSide());
    // Rates first: the per-image split after them runs on warmed-up (JIT-compiled) code.
    double fast = measure(out, "reduced-resolution decode", dataset, reduced, workers);
    record.put(
        "reduced_decode",
        figures(fast, perImage(out, "reduced-resolution decode", dataset, reduced)));
    if (compareFullDecode) {
      CropSampler full = reduced.withMinSourceSide(0);
      double fullRate = measure(out, "full-resolution decode", dataset, full, workers);
      record.put(
          "full_decode", figures(fullRate, perImage(out, "full-resolution decode", dataset, full)));
      out.printf(
          Locale.ROOT,
          "reduced-resolution decoding is %.2fx the full-resolution rate%n",
          fast / fullRate);
    }
    out.println("compare with what training consumes: jdino bench train with the same crops");
    BenchRecord.write(out, json, record);
    out.flush();
    return 0;
  }

  private double measure(
      PrintWriter out, String label, ImageDataset dataset, CropSampler sampler, int workers) {
    long start = System.nanoTime(); // reset after the warm-up batches
    int seen = 0;
    int epoch = 0;
    int skipped = 0;
    while (seen < warmup + batches) {
      try (MultiCropLoader loader =
          MultiCropLoader.builder()
              .setDataset(dataset)
              .setSampler(sampler)
              .setBatchSize(batchSize)
              .optEpoch(epoch++)
              .optWorkers(workers)
              .build()) {
        while (loader.hasNext() && seen < warmup + batches) {
          loader.next();
          seen++;
          if (seen == warmup) {
            start = System.nanoTime();
          }
        }
        skipped += loader.failures().images();
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    double rate = batches * (double) batchSize / seconds;
    out.printf(
        Locale.ROOT,
        "%s: %.1f source images/s (%.0f crops/s), %d batches in %.2f s%s%n",
        label,
        rate,
        rate * (2 + sampler.localCropsNumber()),
        batches,
        seconds,
        skipped > 0
            ? ", " + skipped + (skipped == 1 ? " image" : " images") + " could not be loaded"
            : "");
    out.flush();
    return rate;
  }

  private static Map<String, Object> figures(double rate, double[] perImage) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("images_per_s", rate);
    f.put("decode_ms_per_image", perImage[0]);
    f.put("crops_ms_per_image", perImage[1]);
    return f;
  }

  /**
   * CPU time per image on one thread, split into decoding and cropping: less sensitive than the
   * rate to other processes sharing the machine, and it says which half to speed up.
   *
   * @return milliseconds per image: decode, crops
   */
  private static double[] perImage(
      PrintWriter out, String label, ImageDataset dataset, CropSampler sampler) {
    int n = Math.min(32, dataset.size());
    long decode = 0;
    long crops = 0;
    int ok = 0;
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      Image img;
      try {
        img = dataset.load(i, sampler.minSourceSide());
      } catch (IOException e) {
        continue;
      }
      long t1 = System.nanoTime();
      sampler.sample(img, i);
      crops += System.nanoTime() - t1;
      decode += t1 - t0;
      ok++;
    }
    double[] ms = {decode / 1e6 / Math.max(1, ok), crops / 1e6 / Math.max(1, ok)};
    out.printf(
        Locale.ROOT,
        "%s, one thread, %d images: decode %.2f ms + crops %.2f ms per image%n",
        label,
        ok,
        ms[0],
        ms[1]);
    out.flush();
    return ms;
  }

  private AugmentConfig augmentConfig() {
    DinoConfig base =
        switch (preset.toLowerCase(Locale.ROOT)) {
          case "reference", "imagenet", "default" -> DinoConfig.defaults();
          default -> DinoConfig.preset(preset);
        };
    Map<String, Object> flags = new LinkedHashMap<>();
    if (globalCropSize != null) {
      flags.put("augment.globalCrops.size", globalCropSize);
      flags.put("vit.imgSize", globalCropSize);
    }
    if (localCropSize != null) {
      flags.put("augment.localCrops.size", localCropSize);
    }
    if (localCropsNumber != null) {
      flags.put("augment.localCrops.number", localCropsNumber);
    }
    try {
      return flags.isEmpty() ? base.augment() : base.with(flags).augment();
    } catch (ConfigException e) {
      throw ConfigFlags.bad(e, null);
    }
  }

  private static int[] parseSize(String s) {
    String[] p = s.toLowerCase(Locale.ROOT).split("x");
    try {
      int w = Integer.parseInt(p[0].strip());
      int h = Integer.parseInt(p[1].strip());
      if (p.length == 2 && w >= 1 && h >= 1) {
        return new int[] {w, h};
      }
    } catch (RuntimeException e) {
      // reported below
    }
    throw new BadInputException("--jpeg-size " + s + ": expected WxH, e.g. 1280x720");
  }
}
