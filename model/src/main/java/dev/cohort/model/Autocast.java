package dev.cohort.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.cohort.config.TrainConfig;

/**
 * Mixed precision as torch.autocast arranges it: the matrix products run in a low-precision compute dtype while the
 * master weights, the residual stream and every reduction that needs range stay in float32. Weights and activations
 * are cast inside the autograd graph, so the gradient of a float16 product arrives at its float32 master weight in
 * float32. The residual adds (float32 + float16) promote back to float32, which is why RMSNorm needs no cast: its
 * statistics are taken on the float32 residual. The router logits, the LM head's log-softmax and every loss are
 * float32 through {@link #full} and {@link #logSoftmax}.
 */
public final class Autocast {
  /** Everything in the parameters' own dtype: train.precision = fp32. */
  public static final Autocast OFF = new Autocast(null);
  /** Products in float16 over float32 master weights: train.precision = fp16-mixed. */
  public static final Autocast FLOAT16 = new Autocast(DataType.FLOAT16);

  private final DataType compute; // null: no casts

  private Autocast(DataType compute) {
    this.compute = compute;
  }

  /** The autocast of the configured train.precision. */
  public static Autocast of(TrainConfig train) {
    return train.precision().equals(TrainConfig.FP16_MIXED) ? FLOAT16 : OFF;
  }

  public boolean enabled() {
    return compute != null;
  }

  /** x W^T with both operands in the compute dtype; the result stays in it. x: (..., in), w: (out, in). */
  public NDArray linear(NDArray x, NDArray w) {
    return Ops.linear(low(x), low(w));
  }

  /** a b (batched) with both operands in the compute dtype. */
  public NDArray matMul(NDArray a, NDArray b) {
    return low(a).matMul(low(b));
  }

  /** x in float32 when it was computed in the low dtype (range and precision for softmax and losses). */
  public NDArray full(NDArray x) {
    return enabled() && x.getDataType() == compute ? cast(x, DataType.FLOAT32) : x;
  }

  /** log-softmax along {@code axis} in float32 whatever x's dtype: one native op that casts before reducing. */
  public NDArray logSoftmax(NDArray x, int axis) {
    DataType out = enabled() && x.getDataType() == compute ? DataType.FLOAT32 : x.getDataType();
    return JniUtils.logSoftmax((PtNDArray) x, axis, out);
  }

  private NDArray low(NDArray x) {
    return enabled() ? cast(x, compute) : x;
  }

  /**
   * x in {@code dtype}, differentiably. NDArray.toType runs under a no-grad guard and would cut the graph; a cumulative
   * product over a new axis of size one is the identity, and its dtype argument casts inside the op, so autograd
   * returns the gradient in x's own dtype.
   */
  public static NDArray cast(NDArray x, DataType dtype) {
    if (x.getDataType() == dtype) return x;
    return x.expandDims(-1).cumProd(-1, dtype).squeeze(-1);
  }
}
