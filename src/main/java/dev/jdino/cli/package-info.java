/**
 * The {@code jdino} command (picocli): one class per subcommand, kept thin; the work is done by the
 * library packages. Subcommands extend {@link dev.jdino.cli.Subcommand} (help, declared option
 * order, output streams). A flag that several commands share is declared once, in the mixin of its
 * concern, with the same name everywhere: the weights ({@link dev.jdino.cli.CheckpointOptions},
 * {@link dev.jdino.cli.BackboneKeyOptions}), how images reach a backbone ({@link
 * dev.jdino.cli.ModelOptions}, {@link dev.jdino.cli.NormalizationOptions}, {@link
 * dev.jdino.cli.ExtractionOptions}, {@link dev.jdino.cli.EngineOptions}), data ({@link
 * dev.jdino.cli.LabelledDataOptions}, {@link dev.jdino.cli.ImagesOptions}, {@link
 * dev.jdino.cli.ImageSizeOptions}), evaluation and pictures ({@link
 * dev.jdino.cli.NeighbourOptions}, {@link dev.jdino.cli.MaskOptions}, {@link
 * dev.jdino.cli.PictureOptions}, {@link dev.jdino.cli.CurveOptions}), runs and output ({@link
 * dev.jdino.cli.RunDirOptions}, {@link dev.jdino.cli.OutputDirOptions}, {@link
 * dev.jdino.cli.RunOptions}, {@link dev.jdino.cli.OnlineKnnOptions}); {@link
 * dev.jdino.cli.ConfigFlags} is the one table from training flags to configuration settings.
 *
 * <p>Bad input of any kind (a path, a value, a file's contents) ends as one line on stderr and exit
 * status 2 ({@link dev.jdino.cli.Main}). May import every other package; nothing imports it.
 */
package dev.jdino.cli;
