/**
 * Training and evaluation data: datasets ({@link dev.jdino.data.IdxDataset} for MNIST-style IDX
 * files, {@link dev.jdino.data.ImageFolderDataset} for folders of images), the {@code --data}
 * parser ({@link dev.jdino.data.DataSources}), and the multi-threaded, deterministic multi-crop
 * batch loader ({@link dev.jdino.data.MultiCropLoader}) that feeds DINO's training loop. COCO
 * detection files are a source too ({@link dev.jdino.data.CocoDataset} for the images, {@link
 * dev.jdino.data.CocoObjectsDataset} for labelled object crops). Every image file is decoded by
 * {@link dev.jdino.data.ImageDecoder}: upright (EXIF), no larger than the crops need ({@link
 * dev.jdino.data.DecodeSize}), damaged files refused rather than padded.
 *
 * <p>Determinism is the organising rule: every random choice of an epoch is a pure function of
 * (seed, epoch, position) ({@link dev.jdino.data.EpochOrder}), so thread counts and mid-epoch
 * resumes never change what the model sees.
 */
package dev.jdino.data;
