package dev.jdino.dist;

/**
 * Communication done by one rank so far, per kind of collective: calls, payload bytes (the buffer
 * each call reduces or broadcasts, counted once per call whatever the MPI algorithm actually sends)
 * and time spent inside the calls (waiting for slower ranks included). A benchmark takes {@link
 * #minus} of two snapshots to get the communication of one step.
 */
public record CommStats(Op allReduce, Op broadcast, Op barrier) {
  /** No communication at all (a world of one). */
  public static final CommStats ZERO = new CommStats(Op.ZERO, Op.ZERO, Op.ZERO);

  public CommStats {
    if (allReduce == null || broadcast == null || barrier == null) {
      throw new IllegalArgumentException("every kind of collective needs its counters");
    }
  }

  /** Counters of one kind of collective. */
  public record Op(long calls, long bytes, long nanos) {
    public static final Op ZERO = new Op(0, 0, 0);

    public Op {
      if (calls < 0 || bytes < 0 || nanos < 0) {
        throw new IllegalArgumentException(
            "counters cannot be negative: calls " + calls + ", bytes " + bytes + ", ns " + nanos);
      }
    }

    public Op plus(Op o) {
      return new Op(calls + o.calls, bytes + o.bytes, nanos + o.nanos);
    }

    /** What happened since {@code earlier} (a snapshot of the same counters). */
    public Op minus(Op earlier) {
      return new Op(calls - earlier.calls, bytes - earlier.bytes, nanos - earlier.nanos);
    }

    public double seconds() {
      return nanos / 1e9;
    }
  }

  /** All kinds together. */
  public Op total() {
    return allReduce.plus(broadcast).plus(barrier);
  }

  /** What happened since {@code earlier}, a snapshot taken before this one. */
  public CommStats minus(CommStats earlier) {
    return new CommStats(
        allReduce.minus(earlier.allReduce),
        broadcast.minus(earlier.broadcast),
        barrier.minus(earlier.barrier));
  }
}
