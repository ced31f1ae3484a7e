/**
 * What a backbone learned, measured on frozen features (the paper's section 4.1; the official
 * eval_knn.py and eval_linear.py): feature extraction ({@link dev.jdino.eval.FeatureExtractor},
 * {@link dev.jdino.eval.Preprocessing}), DINO's weighted k-NN ({@link
 * dev.jdino.eval.KnnClassifier}, {@link dev.jdino.eval.KnnEvaluation} with the pixel and
 * random-init floors), the linear probe ({@link dev.jdino.eval.LinearProbe}), feature export
 * ({@link dev.jdino.eval.FeatureExport}) and the k-NN run while training ({@link
 * dev.jdino.eval.OnlineKnn}).
 *
 * <p>Images are prepared in plain Java on worker threads and go through the network in batches,
 * each inside its own {@code NDScope}; an image that cannot be decoded is left out together with
 * its label. Evaluation decodes at full resolution (no reduced-size decoding): the official
 * transform resizes the full image.
 */
package dev.jdino.eval;
