package dev.cohort.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** RoPE against the rotate-half formula of Hugging Face's apply_rotary_pos_emb, written out element by element. */
class RopeTest {
  private static final double THETA = 10000;

  @Test
  void rotatesEachHalfPairByItsPositionsAngleFromAnOffset() {
    int batch = 2;
    int heads = 3;
    int seq = 4;
    int headDim = 8;
    long start = 5; // as with a KV cache holding 5 positions
    try (NDManager manager = NDManager.newBaseManager()) {
      Rope rope = new Rope(headDim, THETA, 16, manager, DataType.FLOAT64);
      NDArray x = TinyModel.randomNormal(manager, new Shape(batch, heads, seq, headDim), DataType.FLOAT64, 11);
      double[] in = x.toDoubleArray();
      double[] expected = new double[in.length];
      int half = headDim / 2;
      for (int row = 0; row < batch * heads * seq; row++) {
        long position = start + row % seq;
        for (int i = 0; i < half; i++) {
          double angle = position * Math.pow(THETA, -2.0 * i / headDim);
          double x1 = in[row * headDim + i];
          double x2 = in[row * headDim + i + half];
          expected[row * headDim + i] = x1 * Math.cos(angle) - x2 * Math.sin(angle);
          expected[row * headDim + i + half] = x2 * Math.cos(angle) + x1 * Math.sin(angle);
        }
      }
      assertArrayEquals(expected, rope.apply(x, start).toDoubleArray(), 1e-12);
    }
  }
}
