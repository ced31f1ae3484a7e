package dev.jdino.cli;

import dev.jdino.bdd.HttpDownloader;
import dev.jdino.bdd.SafeUnzip;
import dev.jdino.io.BadInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jdino bdd}: the BDD100K driving dataset. */
@Command(
    name = "bdd",
    mixinStandardHelpOptions = true,
    description = "The BDD100K driving dataset: download (then convert with jdino bdd2coco).",
    subcommands = {BddCommand.Download.class})
public final class BddCommand implements Runnable {
  @Spec CommandLine.Model.CommandSpec spec;

  /** The mirror the seed project's {@code scripts/download_dataset.py} uses. */
  public static final String IMAGES_URL = "http://128.32.162.150/bdd100k/bdd100k_images_100k.zip";

  public static final String LABELS_URL = "http://128.32.162.150/bdd100k/bdd100k_labels.zip";

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * {@code jdino bdd download}: fetches the archives (resuming interrupted transfers), checks them,
   * extracts them safely, and removes each archive once extracted (unless kept). Running it again
   * skips what is done: an extracted archive leaves a marker file.
   */
  @Command(
      name = "download",
      description = {
        "Download and extract BDD100K (images ~5.3 GB, labels ~180 MB).",
        "Interrupted downloads resume; rerunning skips finished parts."
      })
  public static final class Download extends Subcommand {
    @Option(
        names = "--save-dir",
        defaultValue = "data/bdd100k",
        paramLabel = "DIR",
        description = "Where archives go and are extracted (default ${DEFAULT-VALUE}).")
    Path saveDir;

    @Option(
        names = "--components",
        paramLabel = "LIST",
        split = ",",
        defaultValue = "images,labels",
        description = "What to fetch: images, labels (default ${DEFAULT-VALUE}).")
    List<String> components;

    @Option(
        names = "--images-url",
        paramLabel = "URL",
        defaultValue = IMAGES_URL,
        description = "Images archive (default: the seed's mirror, ${DEFAULT-VALUE}).")
    URI imagesUrl;

    @Option(
        names = "--labels-url",
        paramLabel = "URL",
        defaultValue = LABELS_URL,
        description = "Labels archive (default ${DEFAULT-VALUE}).")
    URI labelsUrl;

    @Option(names = "--images-sha256", paramLabel = "HEX", description = "Expected SHA-256.")
    String imagesSha256;

    @Option(names = "--labels-sha256", paramLabel = "HEX", description = "Expected SHA-256.")
    String labelsSha256;

    @Option(names = "--keep-archives", description = "Keep the zip files after extracting.")
    boolean keepArchives;

    @Option(names = "--no-extract", description = "Download only.")
    boolean noExtract;

    @Option(
        names = "--retries",
        paramLabel = "N",
        defaultValue = "5",
        description = "Resume attempts after an interrupted transfer (default ${DEFAULT-VALUE}).")
    int retries;

    @Option(
        names = "--timeout",
        defaultValue = "60",
        paramLabel = "SECONDS",
        description =
            "Give up on a stalled connection after this long, then resume"
                + " (default ${DEFAULT-VALUE}).")
    int timeout;

    @Option(names = "--retry-delay", defaultValue = "2", paramLabel = "SECONDS", hidden = true)
    double retryDelay;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = out();
      List<String[]> todo = new ArrayList<>();
      for (String c : components) {
        switch (c.strip().toLowerCase(Locale.ROOT)) {
          case "images" -> todo.add(new String[] {imagesUrl.toString(), imagesSha256});
          case "labels" -> todo.add(new String[] {labelsUrl.toString(), labelsSha256});
          default ->
              throw new BadInputException("--components " + c + ": expected images and/or labels");
        }
      }
      if (retries < 0 || timeout < 1) {
        throw new BadInputException("--retries must be >= 0 and --timeout >= 1");
      }
      Files.createDirectories(saveDir);
      for (String[] t : todo) {
        try {
          fetch(URI.create(t[0]), t[1], out);
        } catch (IOException e) {
          err().println("jdino: error: " + e.getMessage());
          err().flush();
          return 1;
        }
      }
      // The seed's mirror extracts to 100k/<split>/ (images and per-image labels together).
      out.println(
          Files.isDirectory(saveDir.resolve("100k"))
              ? "next: jdino bdd2coco --root " + saveDir.resolve("100k")
              : "next: jdino bdd2coco --labels <labels file or folder> --images <split image"
                  + " folder>");
      out.flush();
      return 0;
    }

    private void fetch(URI uri, String sha256, PrintWriter out) throws IOException {
      String path = uri.getPath() == null ? "" : uri.getPath();
      String name = path.substring(path.lastIndexOf('/') + 1);
      if (name.isEmpty()) {
        throw new BadInputException(uri + ": the URL names no file");
      }
      Path archive = saveDir.resolve(name);
      Path marker = saveDir.resolve("." + name + ".extracted");
      if (Files.exists(marker)) {
        out.println(
            name + ": already downloaded and extracted (delete " + marker + " to do it again)");
        return;
      }
      HttpDownloader.Options o =
          HttpDownloader.Options.defaults()
              .withRetries(retries, Duration.ofMillis((long) (retryDelay * 1000)))
              .withSha256(sha256 == null || sha256.isBlank() ? null : sha256.strip());
      o =
          new HttpDownloader.Options(
              o.expectedSize(),
              o.sha256(),
              o.retries(),
              o.connectTimeout(),
              Duration.ofSeconds(timeout),
              o.retryDelay());
      out.println("downloading " + uri + " -> " + archive);
      out.flush();
      HttpDownloader.Result r;
      try (Bytes bar = new Bytes(out)) {
        r = HttpDownloader.download(uri, archive, o, bar);
      }
      out.printf(
          Locale.ROOT,
          "%s: %,d bytes, SHA-256 %s%s%n",
          name,
          r.bytes(),
          r.sha256(),
          r.resumed() ? " (resumed)" : "");
      if (noExtract) {
        return;
      }
      out.println("extracting " + archive + " into " + saveDir);
      out.flush();
      SafeUnzip.Result x;
      try (Bytes bar = new Bytes(out)) {
        bar.started("extract " + name, -1, 0);
        x = SafeUnzip.extract(archive, saveDir, bar::progress);
      }
      out.printf(Locale.ROOT, "%s: extracted %,d files (%,d bytes)%n", name, x.files(), x.bytes());
      Files.writeString(marker, r.sha256() + "\n");
      if (!keepArchives) {
        Files.delete(archive);
      }
      out.flush();
    }
  }

  /** Byte progress on the shared {@link ProgressDisplay}, in MiB. */
  static final class Bytes implements HttpDownloader.Listener, AutoCloseable {
    private final ProgressDisplay display;

    Bytes(PrintWriter out) {
      this.display = ProgressDisplay.on(out);
    }

    @Override
    public void started(String name, long total, long from) {
      if (from > 0) {
        display.message(
            String.format(Locale.ROOT, "%s: resuming at %.1f MiB", name, from / 1048576.0));
      }
      display.start(name, total, from, " MiB", 1 << 20);
    }

    @Override
    public void progress(long done) {
      display.update(done, "");
    }

    @Override
    public void message(String line) {
      display.message(line);
    }

    @Override
    public void close() {
      display.close();
    }
  }
}
