package dev.cohort.cli;

/**
 * PyTorch reads its thread counts once, when the engine first loads: commands call this before touching DJL.
 */
final class Threads {
  private Threads() {}

  /** @param intraOp PyTorch intra-op threads; 0 keeps the engine's default (one per core) */
  static void configure(int intraOp) {
    if (intraOp > 0) System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(intraOp));
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
  }
}
