package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/** The few tensor primitives the model needs beyond NDArray's own, each one fused op where PyTorch has one. */
public final class Ops {
  private Ops() {}

  /** x W^T as torch.nn.functional.linear: one GEMM, no materialised transpose. x: (..., in), w: (out, in). */
  public static NDArray linear(NDArray x, NDArray w) {
    return JniUtils.linear((PtNDArray) x, (PtNDArray) w, null);
  }

  /** SiLU (swish with beta 1): x * sigmoid(x). */
  public static NDArray silu(NDArray x) {
    return x.mul(sigmoid(x));
  }

  public static NDArray sigmoid(NDArray x) {
    return JniUtils.sigmoid((PtNDArray) x);
  }

  /** Rows of {@code table} at {@code indices} (int64): table[indices]. Differentiable in table. */
  public static NDArray rows(NDArray table, NDArray indices) {
    return table.get(indices);
  }

  /** log(sum(exp(x), axis)) computed stably; keeps no dimension. */
  public static NDArray logSumExp(NDArray x, int axis) {
    if (axis < 0) axis += x.getShape().dimension();
    NDArray max = x.max(new int[] {axis}, true).stopGradient();
    return x.sub(max).exp().sum(new int[] {axis}).log().add(max.squeeze(axis));
  }

  /** Slice [start, end) of {@code x} along {@code axis}. */
  public static NDArray slice(NDArray x, int axis, long start, long end) {
    return JniUtils.slice((PtNDArray) x, axis, start, end, 1);
  }

  /**
   * A tensor that outlives the step being computed (masks, tables): owned by {@code manager}, taken out of any open
   * NDScope so the scope's close does not free it.
   */
  public static NDArray constant(NDManager manager, double[] values, Shape shape, DataType dtype) {
    NDArray array = manager.create(values, shape);
    if (dtype != DataType.FLOAT64) {
      NDArray cast = array.toType(dtype, false);
      array.close();
      array = cast;
    }
    NDScope.unregister(array);
    return array;
  }

  public static NDArray int64(NDManager manager, long[] values) {
    return manager.create(values, new Shape(values.length));
  }
}
