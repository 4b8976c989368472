package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embedding (Su et al., 2021) in the rotate-half convention of Hugging Face's LLaMA / Mixtral: the
 * head dimension is split into halves (x1, x2) and position t rotates pair (x1_i, x2_i) by angle t * theta^(-2i/hd).
 */
public final class Rope {
  private final NDArray cos; // (maxSeqLen, hd)
  private final NDArray sin; // (maxSeqLen, hd)

  public Rope(int headDim, double theta, int maxSeqLen, NDManager manager, DataType dtype) {
    int half = headDim / 2;
    double[] cosTable = new double[maxSeqLen * headDim];
    double[] sinTable = new double[maxSeqLen * headDim];
    for (int t = 0; t < maxSeqLen; t++) {
      for (int i = 0; i < half; i++) {
        double angle = t * Math.pow(theta, -2.0 * i / headDim);
        for (int offset : new int[] {i, i + half}) {
          cosTable[t * headDim + offset] = Math.cos(angle);
          sinTable[t * headDim + offset] = Math.sin(angle);
        }
      }
    }
    Shape shape = new Shape(maxSeqLen, headDim);
    this.cos = Ops.constant(manager, cosTable, shape, dtype);
    this.sin = Ops.constant(manager, sinTable, shape, dtype);
  }

  /** x: (B, heads, T, hd) at positions [start, start + T) -> (B, heads, T, hd) */
  public NDArray apply(NDArray x, long start) {
    long t = x.getShape().get(2);
    NDArray c = Ops.slice(cos, 0, start, start + t); // (T, hd), broadcast over B and heads
    NDArray s = Ops.slice(sin, 0, start, start + t);
    return x.mul(c).add(rotateHalf(x).mul(s));
  }

  /** (x1, x2) -> (-x2, x1) on the last axis. */
  private static NDArray rotateHalf(NDArray x) {
    int last = x.getShape().dimension() - 1;
    NDList halves = x.split(2, last);
    return halves.get(1).neg().concat(halves.get(0), last);
  }
}
