/**
 * The central directory of a zip file, read directly and checked against the file ({@link
 * dev.jdino.io.zip.ZipDirectory}): what PyTorch checkpoints ({@code dev.jdino.io.pth}) and safe
 * extraction of downloaded archives ({@code dev.jdino.bdd}) both need and {@link
 * java.util.zip.ZipFile} does not give (each entry's offset, Unix mode and host system). It owns
 * the zip layout only, not what the entries hold. May import only the JDK.
 */
package dev.jdino.io.zip;
