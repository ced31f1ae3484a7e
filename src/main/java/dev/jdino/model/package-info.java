/**
 * The networks (the official vision_transformer.py and utils.py): {@link
 * dev.jdino.model.VisionTransformer} with its {@code Block}, {@code Attention}, {@code Mlp}, {@link
 * dev.jdino.model.PositionEmbedding} (bicubic resize as the official {@code
 * interpolate_pos_encoding}), {@link dev.jdino.model.DinoHead}, the multi-crop {@link
 * dev.jdino.model.DinoNetwork}, and the public {@link dev.jdino.model.Backbone} for users.
 *
 * <p>Modules hold no weights: a {@link dev.jdino.model.ParameterSet} (one flat buffer laid out by a
 * {@link dev.jdino.model.ParameterLayout}) is passed to every call, so student and teacher share
 * one architecture object. Imports {@code io}, {@code engine} and {@code augment} (normalisation).
 */
package dev.jdino.model;
