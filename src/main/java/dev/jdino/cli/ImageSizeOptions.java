package dev.jdino.cli;

import dev.jdino.model.Backbone;
import dev.jdino.viz.ImageSizing;
import picocli.CommandLine.Option;

/** The size images are shown to a backbone at, for the pictures of its attention and features. */
final class ImageSizeOptions {
  @Option(
      names = "--image-size",
      paramLabel = "SIZE",
      description =
          "Shorter side in pixels (aspect kept), WxH, or native (default: the"
              + " model's training size). H and W are then cropped to multiples of the patch.")
  String imageSize;

  @Option(
      names = "--no-keep-aspect",
      description = "With a single --image-size, resize to a square.")
  boolean noKeepAspect;

  /** The sizing given, else the shorter side at the backbone's training resolution. */
  ImageSizing sizing(Backbone backbone) {
    return imageSize == null
        ? ImageSizing.shorterSide(backbone.config().imgSize())
        : ImageSizing.parse(imageSize, !noKeepAspect);
  }
}
