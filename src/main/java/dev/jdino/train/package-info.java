/**
 * DINO pretraining (the official main_dino.py): the configuration records ({@link
 * dev.jdino.train.DinoConfig} and its parts), the loss ({@link dev.jdino.train.DinoLoss}, DINOv2's
 * {@link dev.jdino.train.KoLeoLoss}), schedules ({@link dev.jdino.train.Schedules}, {@link
 * dev.jdino.train.RunPlan}), AdamW, clipping, the teacher's EMA, one iteration ({@link
 * dev.jdino.train.DinoStep}) and the loop with its state, checkpoints and metrics ({@link
 * dev.jdino.train.DinoTrainer}, what a run keeps in its directory ({@code RunWriter}), {@link
 * dev.jdino.train.TrainingState}, {@link dev.jdino.train.Checkpoint}, {@link
 * dev.jdino.train.Metrics}).
 *
 * <p>All randomness derives from the seed and the position in the run, so a resumed run is
 * bit-identical to an uninterrupted one. Data-parallel training over several processes ({@link
 * dev.jdino.train.DataParallel}) keeps that: every choice is a function of the sample's global
 * position, whatever the number of ranks. Imports {@code io}, {@code engine}, {@code augment},
 * {@code data}, {@code model} and {@code dist} (the collectives).
 */
package dev.jdino.train;
