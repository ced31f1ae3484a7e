/**
 * Unsupervised object discovery (the paper's section 4.2.1 and the official
 * visualize_attention.py): a box from the last block's attention ({@link
 * dev.jdino.discover.MaskBoxes}: the largest 4-connected component of the 60%-mass mask), scored
 * against COCO ground truth by CorLoc ({@link dev.jdino.discover.CorLoc}).
 */
package dev.jdino.discover;
