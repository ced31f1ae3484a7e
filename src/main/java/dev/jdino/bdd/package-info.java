/**
 * BDD100K, the seed's driving data: the download ({@link dev.jdino.bdd.HttpDownloader}, resumable
 * and checked; {@link dev.jdino.bdd.SafeUnzip}, extraction that cannot escape its folder), the
 * label conversion to COCO ({@link dev.jdino.bdd.BddLabels} reads both label layouts, {@link
 * dev.jdino.bdd.BddToCoco} writes COCO and a summary), and synthetic dash-cam frames for loader
 * benchmarks ({@link dev.jdino.bdd.SyntheticFrames}). Nothing here needs the network in tests: a
 * loopback server stands in for the mirror.
 */
package dev.jdino.bdd;
