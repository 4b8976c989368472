package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
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

  /**
   * Rows of {@code table} at {@code indices} (int64, any shape): table[indices], shape indices.shape + (d,).
   * Differentiable in table. Through torch::embedding rather than NDArray.get(NDArray): DJL's advanced indexing
   * copies the index into a temporary tensor backed by a Java buffer and closes it, while autograd keeps that tensor
   * for the backward, so a garbage collection between forward and backward corrupted gradients (NaN).
   */
  public static NDArray rows(NDArray table, NDArray indices) {
    if (table.getShape().dimension() == 1) {
      return JniUtils.embedding((PtNDArray) indices, (PtNDArray) table.reshape(-1, 1), false).squeeze(-1);
    }
    return JniUtils.embedding((PtNDArray) indices, (PtNDArray) table, false);
  }

  /**
   * Rows of {@code table} (R, d) at {@code indices} (int64, any shape), where index R stands for a zero row: shape
   * indices.shape + (d,). The gather of a combine in which the missing entries (dropped slots, ranks a token did not
   * visit) add nothing. Differentiable in table.
   */
  public static NDArray rowsOrZero(NDArray table, NDArray indices) {
    NDArray zero = table.getManager().zeros(new Shape(1, table.getShape().get(1)), table.getDataType()); // (1, d)
    return rows(table.concat(zero, 0), indices);
  }

  /** log(sum(exp(x), axis)) computed stably; keeps no dimension. */
  public static NDArray logSumExp(NDArray x, int axis) {
    if (axis < 0) axis += x.getShape().dimension();
    NDArray max = x.max(new int[] {axis}, true).stopGradient();
    return x.sub(max).exp().sum(new int[] {axis}).log().add(max.squeeze(axis));
  }

  /**
   * A scalar tensor of {@code like}'s dtype, made natively. NDArray's Number overloads (x.div(2.0), x.mul(w), ...)
   * must not be used in a recorded graph: DJL wraps the number in a tensor backed by a Java buffer and closes it right
   * after the op, while autograd keeps it for the backward (DivBackward, MulBackward): a garbage collection in between
   * turns the gradient into NaN.
   */
  public static NDArray scalar(NDArray like, double value) {
    return like.getManager().full(new Shape(), (float) value, like.getDataType());
  }

  /** Slice [start, end) of {@code x} along {@code axis}. */
  public static NDArray slice(NDArray x, int axis, long start, long end) {
    return JniUtils.slice((PtNDArray) x, axis, start, end, 1);
  }

  /**
   * {@code x} cut along {@code axis} into consecutive blocks of the given sizes (summing to that axis's length). One op
   * whose backward is one concatenation, where a slice per block would make each block's backward a zero tensor the
   * size of all of {@code x}, summed.
   */
  public static NDList split(NDArray x, long[] sizes, int axis) {
    return JniUtils.split((PtNDArray) x, sizes, axis);
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

  /**
   * Copies {@code source}'s values into {@code target}'s own storage, by in-place arithmetic. DJL's set(Buffer) and
   * set(NDIndex, NDArray) must not be used for this: the tensor adopts a Java direct buffer that lives only as long
   * as that one wrapper object, so a gradient written that way points at freed memory once its (temporary) wrapper
   * is collected. A non-finite target makes the copy non-finite, which the step's finiteness check then reports.
   */
  public static void copyInto(NDArray target, NDArray source) {
    target.muli(0).addi(source);
  }
}
