/**
 * The {@code jdino} command (picocli): one class per subcommand, kept thin; the work is done by
 * the library packages. Shared concerns are mixins with the same flag names everywhere ({@link
 * dev.jdino.cli.CheckpointOptions}, {@link dev.jdino.cli.ModelOptions}, {@link
 * dev.jdino.cli.NormalizationOptions}, {@link dev.jdino.cli.RunOptions}, {@link
 * dev.jdino.cli.OnlineKnnOptions}), and {@link dev.jdino.cli.ConfigFlags} is the one table from
 * training flags to configuration settings.
 *
 * <p>Bad input of any kind (a path, a value, a file's contents) ends as one line on stderr and
 * exit status 2 ({@link dev.jdino.cli.Main}). May import every other package; nothing imports it.
 */
package dev.jdino.cli;
