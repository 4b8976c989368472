package dev.cohort.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.cohort.tensor.DType;

/**
 * Wire form of a {@link TensorPayload}: dtype code (1 byte), rank (varint), each dimension (varlong), then the raw
 * little-endian elements with no length prefix, since the shape implies it. On read the shape's byte size is
 * checked against {@link TensorPayload#MAX_BYTES} and against the bytes left in the message before the data
 * array is allocated.
 */
public final class TensorPayloadSerializer extends Serializer<TensorPayload> {
  @Override
  public void write(Kryo kryo, Output out, TensorPayload tensor) {
    out.writeByte(tensor.dtype().wireCode());
    out.writeVarInt(tensor.shape().length, true);
    for (long dim : tensor.shape()) out.writeVarLong(dim, true);
    out.writeBytes(tensor.data());
  }

  @Override
  public TensorPayload read(Kryo kryo, Input in, Class<? extends TensorPayload> type) {
    DType dtype = TensorPayload.dtypeOfWireCode(in.readByte());
    int rank = in.readVarInt(true);
    if (rank < 0 || rank > TensorPayload.MAX_RANK) {
      throw new WireFormatException("TensorPayload rank " + rank + " on the wire exceeds " + TensorPayload.MAX_RANK);
    }
    long[] shape = new long[rank];
    for (int i = 0; i < rank; i++) shape[i] = in.readVarLong(true);
    long bytes = TensorPayload.byteSize(dtype, shape);
    if (bytes > Bounds.remaining(in)) {
      throw new WireFormatException("TensorPayload data truncated: shape needs " + bytes + " bytes, "
          + Bounds.remaining(in) + " remain in the message");
    }
    return new TensorPayload(dtype, shape, in.readBytes((int) bytes));
  }
}
