package dev.cohort.worker.collective;

import dev.cohort.placement.WorkerId;
import dev.cohort.tensor.DType;
import dev.cohort.wire.TensorPayload;
import dev.cohort.wire.WireFormatException;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The data plane's wire format. A connection opens with a hello (magic, version, the dialling worker's id); then
 * each frame is a header (magic, the {@link TensorKey}'s fields, dtype code, rank, shape, payload length; integers
 * big-endian) followed by the payload's raw little-endian bytes, exactly {@link TensorPayload#data()}. Everything a
 * header claims is checked before the payload is allocated, so a corrupt or hostile peer cannot make the receiver
 * allocate more than the largest valid tensor ({@link TensorPayload#MAX_BYTES}).
 */
final class TensorFrames {
  private TensorFrames() {}

  private static final int HELLO_MAGIC = 0x43_48_4c_4f; // "CHLO"
  private static final int FRAME_MAGIC = 0x43_54_46_52; // "CTFR"
  /** Bumped whenever the layout changes: peers of different layouts refuse each other at the hello. */
  private static final int VERSION = 1;
  /** Worker ids ({@code pekko://cohort@HOST:PORT}) and tensor kinds are far shorter than this. */
  static final int MAX_NAME_BYTES = 1024;
  /** Room for a typical header (two ids of some 40 bytes, a short kind, a rank-3 shape) without regrowing. */
  private static final int HEADER_BYTES_GUESS = 160;

  /** One received tensor. */
  record Frame(TensorKey key, TensorPayload payload) {}

  static void writeHello(DataOutputStream out, WorkerId self) throws IOException {
    out.writeInt(HELLO_MAGIC);
    out.writeInt(VERSION);
    writeName(out, self.value());
  }

  /** The dialling worker's id. */
  static WorkerId readHello(DataInputStream in) throws IOException {
    int magic = in.readInt();
    if (magic != HELLO_MAGIC) throw new WireFormatException("not a Cohort data connection (magic " + hex(magic) + ")");
    int version = in.readInt();
    if (version != VERSION) {
      throw new WireFormatException("data plane version " + version + ", this worker speaks " + VERSION);
    }
    String id = readName(in, "worker id");
    if (id.isBlank()) throw new WireFormatException("hello names no worker");
    return new WorkerId(id);
  }

  /**
   * A frame's header, made on the sending thread so that a key that cannot be sent fails there; the frame on the
   * wire is this header followed by {@code payload.data()}.
   */
  static byte[] header(TensorKey key, TensorPayload payload) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(HEADER_BYTES_GUESS);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      writeHeader(out, key, payload);
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory cannot fail", e);
    }
    return bytes.toByteArray();
  }

  private static void writeHeader(DataOutputStream out, TensorKey key, TensorPayload payload) throws IOException {
    out.writeInt(FRAME_MAGIC);
    out.writeLong(key.epoch());
    out.writeLong(key.step());
    writeName(out, key.kind());
    out.writeInt(key.index());
    writeName(out, key.from());
    out.writeByte(payload.dtype().wireCode());
    out.writeByte(payload.shape().length);
    for (long dim : payload.shape()) out.writeLong(dim);
    out.writeLong(payload.data().length);
  }

  /**
   * Reads one frame sent by {@code peer}.
   *
   * @throws java.io.EOFException when the peer closed the connection (between frames or in the middle of one)
   * @throws WireFormatException when the header is invalid or claims another sender; nothing large was allocated
   */
  static Frame readFrame(DataInputStream in, WorkerId peer) throws IOException {
    int magic = in.readInt();
    if (magic != FRAME_MAGIC) throw new WireFormatException("bad frame magic " + hex(magic));
    long epoch = in.readLong();
    long step = in.readLong();
    String kind = readName(in, "tensor kind");
    int index = in.readInt();
    String from = readName(in, "sender id");
    if (!from.equals(peer.value())) {
      throw new WireFormatException("frame claims to come from " + from + " on the connection of " + peer);
    }
    DType dtype = TensorPayload.dtypeOfWireCode(in.readUnsignedByte());
    int rank = in.readUnsignedByte();
    if (rank > TensorPayload.MAX_RANK) {
      throw new WireFormatException("tensor rank " + rank + " exceeds the maximum " + TensorPayload.MAX_RANK);
    }
    long[] shape = new long[rank];
    for (int i = 0; i < rank; i++) shape[i] = in.readLong();
    long expected = TensorPayload.byteSize(dtype, shape); // rejects negative, overflowing and oversized shapes
    long length = in.readLong();
    if (length != expected) {
      throw new WireFormatException("frame of " + dtype + Arrays.toString(shape) + " announces " + length
          + " payload bytes, the shape needs " + expected);
    }
    byte[] data = new byte[(int) expected];
    in.readFully(data);
    return new Frame(new TensorKey(epoch, step, kind, index, from), new TensorPayload(dtype, shape, data));
  }

  private static void writeName(DataOutputStream out, String name) throws IOException {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > MAX_NAME_BYTES) {
      throw new IllegalArgumentException("name of " + bytes.length + " bytes exceeds " + MAX_NAME_BYTES + ": "
          + name.substring(0, 40) + "...");
    }
    out.writeShort(bytes.length);
    out.write(bytes);
  }

  private static String readName(DataInputStream in, String what) throws IOException {
    int length = in.readUnsignedShort();
    if (length > MAX_NAME_BYTES) {
      throw new WireFormatException(what + " of " + length + " bytes exceeds the maximum " + MAX_NAME_BYTES);
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static String hex(int value) {
    return String.format("0x%08x", value);
  }
}
