/**
 * Weight files from anywhere, understood by their names and shapes: {@link
 * dev.jdino.weights.WeightFile} gives the named tensors of a {@code .pth} or safetensors file,
 * {@link dev.jdino.weights.CheckpointLayout} finds the ViT backbone and DINO head among them (the
 * released DINO backbones, the official full checkpoint, jdino's, timm's) under the official names,
 * {@link dev.jdino.weights.VitShape}, {@link dev.jdino.weights.Heads} and {@link
 * dev.jdino.weights.HeadShape} read the architecture, {@link dev.jdino.weights.Conversion} and
 * {@link dev.jdino.weights.FileSummary} are {@code jdino convert} and {@code jdino info}.
 *
 * <p>It may import the JDK, Jackson, {@code dev.jdino.io} and {@code dev.jdino.io.pth}; not the
 * model or the engine, so that {@code dev.jdino.model} (which turns these shapes into its
 * configuration records, in {@code PretrainedWeights}) can depend on it without a cycle.
 */
package dev.jdino.weights;
