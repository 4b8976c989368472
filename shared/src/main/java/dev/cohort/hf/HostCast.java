package dev.cohort.hf;

import dev.cohort.tensor.DType;
import dev.cohort.tensor.HostTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;

/**
 * Element-type conversions done on the host, because DJL's PyTorch engine cannot hold bfloat16: float32 to bfloat16
 * rounds to nearest even (as PyTorch's .to(torch.bfloat16)), bfloat16 to float32 is exact (the top 16 bits).
 */
public final class HostCast {
  private static final int BF16_SHIFT = 16;
  private static final int ROUNDING_BIAS = 0x7fff;
  private static final int QUIET_NAN_BF16 = 0x7fc0;

  private HostCast() {}

  /** F32, F64 or BF16 -> {@code target} (F32 or BF16). */
  public static HostTensor convert(HostTensor tensor, DType target) {
    if (tensor.dtype() == target) return tensor;
    float[] values = floats(tensor);
    return switch (target) {
      case F32 -> HostTensor.ofFloats(tensor.shape(), values);
      case BF16 -> bf16(tensor.shape(), values);
      default -> throw new IllegalArgumentException("cannot convert to " + target + ": F32 or BF16 only");
    };
  }

  /** The elements as float32 (F64 rounded to nearest, BF16 widened exactly). */
  public static float[] floats(HostTensor tensor) {
    return switch (tensor.dtype()) {
      case F32 -> tensor.toFloats();
      case F64 -> {
        double[] doubles = tensor.toDoubles();
        float[] out = new float[doubles.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) doubles[i];
        yield out;
      }
      case BF16 -> {
        ShortBuffer bits = tensor.data().asShortBuffer();
        float[] out = new float[bits.remaining()];
        for (int i = 0; i < out.length; i++) out[i] = Float.intBitsToFloat((bits.get(i) & 0xffff) << BF16_SHIFT);
        yield out;
      }
      default -> throw new HfError("tensor of dtype " + tensor.dtype() + ": only F32, F64 and BF16 are weights");
    };
  }

  static HostTensor bf16(long[] shape, float[] values) {
    ByteBuffer bytes = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    ShortBuffer out = bytes.asShortBuffer();
    for (float v : values) out.put((short) toBf16(v));
    return new HostTensor(DType.BF16, shape, bytes);
  }

  /** Round to nearest, ties to even: add 0x7fff plus the lowest kept bit, then truncate. NaN stays NaN. */
  static int toBf16(float value) {
    if (Float.isNaN(value)) return QUIET_NAN_BF16;
    int bits = Float.floatToRawIntBits(value);
    int lsb = (bits >>> BF16_SHIFT) & 1;
    return (bits + ROUNDING_BIAS + lsb) >>> BF16_SHIFT;
  }
}
