/**
 * What a trained model shows (the paper's section 4.2 and the official visualize_attention.py):
 * per-head attention maps and masks ({@link dev.jdino.viz.AttentionRenderer}), the emergent
 * segmentation score ({@link dev.jdino.viz.SegmentationScore}), the animation over training ({@link
 * dev.jdino.viz.Animator}), patch PCA, training curves and the HTML report. Imports {@code io},
 * {@code augment}, {@code data}, {@code model} and {@code train} (run files).
 */
package dev.jdino.viz;
