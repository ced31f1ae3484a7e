/**
 * PyTorch's checkpoint format in pure Java, read safely: {@link dev.jdino.io.pth.PthFile} opens the
 * zip that {@code torch.save} writes (PyTorch 1.6 and later), {@link
 * dev.jdino.io.pth.RestrictedUnpickler} interprets its pickle without running it (data opcodes and
 * five known names only; anything else is refused by name), and every tensor's offset, sizes and
 * strides are checked against its storage before a byte is read. {@link dev.jdino.io.pth.PthWriter}
 * writes the same format back.
 *
 * <p>This package owns the format only: values come out as plain Java data ({@link
 * dev.jdino.io.pth.PyDict}, {@link dev.jdino.io.pth.PyTuple}, {@link dev.jdino.io.pth.PyNamespace},
 * {@link dev.jdino.io.pth.PyTensor}, lists, strings, numbers). What the names mean (a DINO
 * checkpoint, a timm ViT) is {@code dev.jdino.weights}'s business. It may import only the JDK,
 * {@code dev.jdino.io} ({@code BadInputException}, {@code AtomicFiles}) and {@code
 * dev.jdino.io.zip} (the zip directory); no engine, no model.
 */
package dev.jdino.io.pth;
