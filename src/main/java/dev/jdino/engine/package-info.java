/**
 * Everything specific to DJL's PyTorch engine: starting it offline, grad mode, thread counts,
 * zeroing leaf gradients, and the processor tuning the launcher applies ({@link
 * dev.jdino.engine.Torch}). The rest of jdino speaks DJL's engine-neutral {@code NDArray} API.
 * Imports no other jdino package.
 */
package dev.jdino.engine;
