/**
 * Files and errors every other package shares: safetensors reading and writing with validation of
 * untrusted files ({@link dev.jdino.io.Safetensors}), atomic writes ({@link
 * dev.jdino.io.AtomicFiles}), what commands never write over ({@link dev.jdino.io.OutputPaths}),
 * the one JSON mapper ({@link dev.jdino.io.Json}), and the two kinds of user error ({@link
 * dev.jdino.io.BadInputException}, {@link dev.jdino.io.ConfigException}). Imports no other jdino
 * package.
 */
package dev.jdino.io;
