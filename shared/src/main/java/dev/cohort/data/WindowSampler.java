package dev.cohort.data;

/**
 * Training windows drawn from a token file, addressed by a global sample index.
 *
 * <p>The file is cut into W = (size - 1) / seqLen non-overlapping windows; window k holds the seqLen + 1
 * tokens from k * seqLen (inputs, and the same shifted by one as targets). Sample g belongs to epoch
 * g / W and reads window perm(seed, epoch)(g mod W), where perm is a keyed {@link Permutation}: each epoch
 * visits every window once, in an order that is a pure function of (seed, epoch, g). So any process,
 * before or after a restart, reads the same window for the same g, with no shared state. That is what makes
 * resuming a run and splitting a batch across data-parallel workers exact.
 */
public final class WindowSampler implements Windows {
  private final TokenFile tokens;
  private final int seqLen;
  private final long seed;
  private final long numWindows;

  public WindowSampler(TokenFile tokens, int seqLen, long seed) {
    if (seqLen <= 0) throw new IllegalArgumentException("seqLen must be positive, got " + seqLen);
    this.tokens = tokens;
    this.seqLen = seqLen;
    this.seed = seed;
    this.numWindows = Math.max(0, tokens.size() - 1) / seqLen;
    if (numWindows == 0) {
      throw new DataError("token file " + tokens.path() + " has " + tokens.size() + " tokens, too few for one "
          + "window of seq-len " + seqLen + " (needs " + (seqLen + 1) + ")");
    }
  }

  /**
   * THE mapping from a position in the training schedule to a sample, used by every trainer so that
   * single-process, data-parallel and resumed runs all read the same samples: row {@code row} of
   * micro-batch {@code microBatch} of optimizer step {@code step} is sample
   * {@code step * globalBatch + microBatch * microBatchSize + row}.
   *
   * @param microBatch index of the micro-batch within the step's global batch, across all data-parallel
   *     ranks and accumulation steps
   * @param microBatchSize rows per micro-batch
   * @param globalBatch rows per optimizer step (a multiple of microBatchSize)
   */
  public static long sampleIndex(long step, int microBatch, int row, int microBatchSize, int globalBatch) {
    if (step < 0 || microBatch < 0 || row < 0 || row >= microBatchSize
        || (long) microBatch * microBatchSize + row >= globalBatch) {
      throw new IllegalArgumentException("no sample for step " + step + ", micro-batch " + microBatch + ", row "
          + row + " with micro-batch size " + microBatchSize + " and global batch " + globalBatch);
    }
    return step * globalBatch + (long) microBatch * microBatchSize + row;
  }

  /** Windows per epoch. */
  public long numWindows() {
    return numWindows;
  }

  public int seqLen() {
    return seqLen;
  }

  /** Which window sample {@code globalSampleIndex} reads, in [0, numWindows()). */
  public long windowIndex(long globalSampleIndex) {
    if (globalSampleIndex < 0) {
      throw new IllegalArgumentException("sample index must be >= 0, got " + globalSampleIndex);
    }
    long epoch = globalSampleIndex / numWindows;
    Permutation order = new Permutation(Permutation.key(seed, epoch), numWindows);
    return order.apply(globalSampleIndex % numWindows);
  }

  @Override
  public int[] window(long globalSampleIndex) {
    int[] window = new int[seqLen + 1];
    tokens.read(windowIndex(globalSampleIndex) * seqLen, window);
    return window;
  }
}
