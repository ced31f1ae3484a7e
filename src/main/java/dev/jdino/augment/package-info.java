/**
 * DINO's multi-crop augmentation in plain Java on float buffers (the official {@code
 * DataAugmentationDINO}): {@link dev.jdino.augment.MultiCropAugmentation} and its configuration
 * records ({@link dev.jdino.augment.AugmentConfig}, {@link dev.jdino.augment.Crops}, {@link
 * dev.jdino.augment.Normalization}, ...), each operation checked against PIL and torchvision, and
 * the evaluation transform ({@link dev.jdino.augment.EvalTransform}).
 *
 * <p>Every random choice of one image comes from one seed, so crops are a pure function of (image,
 * seed) whatever the thread count. Imports only {@code dev.jdino.io}: no engine, no tensors.
 */
package dev.jdino.augment;
