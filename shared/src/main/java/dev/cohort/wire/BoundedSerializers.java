package dev.cohort.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.CollectionSerializer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Kryo serializers for the JDK types in {@link dev.cohort.wire.registry.WireClasses} that check every length prefix against the bytes left
 * in the message ({@link Bounds}). Kryo's own ones allocate whatever length the wire claims.
 */
public final class BoundedSerializers {
  private BoundedSerializers() {}

  public static final class Bytes extends Serializer<byte[]> {
    @Override
    public void write(Kryo kryo, Output out, byte[] array) {
      out.writeVarInt(array.length, true);
      out.writeBytes(array);
    }

    @Override
    public byte[] read(Kryo kryo, Input in, Class<? extends byte[]> type) {
      return in.readBytes(Bounds.requireAvailable(in, in.readVarInt(true), Byte.BYTES, "byte[]"));
    }
  }

  public static final class Ints extends Serializer<int[]> {
    @Override
    public void write(Kryo kryo, Output out, int[] array) {
      out.writeVarInt(array.length, true);
      out.writeInts(array, 0, array.length);
    }

    @Override
    public int[] read(Kryo kryo, Input in, Class<? extends int[]> type) {
      return in.readInts(Bounds.requireAvailable(in, in.readVarInt(true), Integer.BYTES, "int[]"));
    }
  }

  public static final class Longs extends Serializer<long[]> {
    @Override
    public void write(Kryo kryo, Output out, long[] array) {
      out.writeVarInt(array.length, true);
      out.writeLongs(array, 0, array.length);
    }

    @Override
    public long[] read(Kryo kryo, Input in, Class<? extends long[]> type) {
      return in.readLongs(Bounds.requireAvailable(in, in.readVarInt(true), Long.BYTES, "long[]"));
    }
  }

  public static final class Floats extends Serializer<float[]> {
    @Override
    public void write(Kryo kryo, Output out, float[] array) {
      out.writeVarInt(array.length, true);
      out.writeFloats(array, 0, array.length);
    }

    @Override
    public float[] read(Kryo kryo, Input in, Class<? extends float[]> type) {
      return in.readFloats(Bounds.requireAvailable(in, in.readVarInt(true), Float.BYTES, "float[]"));
    }
  }

  public static final class Doubles extends Serializer<double[]> {
    @Override
    public void write(Kryo kryo, Output out, double[] array) {
      out.writeVarInt(array.length, true);
      out.writeDoubles(array, 0, array.length);
    }

    @Override
    public double[] read(Kryo kryo, Input in, Class<? extends double[]> type) {
      return in.readDoubles(Bounds.requireAvailable(in, in.readVarInt(true), Double.BYTES, "double[]"));
    }
  }

  /**
   * Rows of ints, each as {@link Ints} writes it. Kryo's object-array serializer would allocate whatever row count the
   * wire claims; here every row takes at least its one-byte length, which bounds the count.
   */
  public static final class IntRows extends Serializer<int[][]> {
    @Override
    public void write(Kryo kryo, Output out, int[][] rows) {
      out.writeVarInt(rows.length, true);
      for (int i = 0; i < rows.length; i++) {
        if (rows[i] == null) throw new WireFormatException("int[][] row " + i + " is null: cannot be sent");
        out.writeVarInt(rows[i].length, true);
        out.writeInts(rows[i], 0, rows[i].length);
      }
    }

    @Override
    public int[][] read(Kryo kryo, Input in, Class<? extends int[][]> type) {
      int[][] rows = new int[Bounds.requireAvailable(in, in.readVarInt(true), Byte.BYTES, "int[][]")][];
      for (int i = 0; i < rows.length; i++) {
        rows[i] = in.readInts(Bounds.requireAvailable(in, in.readVarInt(true), Integer.BYTES, "int[][] row"));
      }
      return rows;
    }
  }

  /** UTF-8 with a byte-length prefix (Kryo's String serializer sizes its buffer from an unchecked char count). */
  public static final class Utf8 extends Serializer<String> {
    @Override
    public void write(Kryo kryo, Output out, String value) {
      writeString(out, value);
    }

    @Override
    public String read(Kryo kryo, Input in, Class<? extends String> type) {
      return readString(in);
    }
  }

  static void writeString(Output out, String value) {
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    out.writeVarInt(utf8.length, true);
    out.writeBytes(utf8);
  }

  static String readString(Input in) {
    int length = Bounds.requireAvailable(in, in.readVarInt(true), Byte.BYTES, "String");
    return new String(in.readBytes(length), StandardCharsets.UTF_8);
  }

  /** ArrayList: every element takes at least one byte on the wire, which bounds the claimed size. */
  public static final class MutableList extends CollectionSerializer<ArrayList<Object>> {
    @Override
    protected ArrayList<Object> create(Kryo kryo, Input in, Class<? extends ArrayList<Object>> type, int size) {
      return new ArrayList<>(Bounds.requireAvailable(in, size, Byte.BYTES, "ArrayList"));
    }
  }

  /** The JDK's immutable lists ({@code List.of}, {@code List.copyOf}), read back as immutable lists. */
  public static final class ImmutableList extends CollectionSerializer<List<Object>> {
    public ImmutableList() {
      setElementsCanBeNull(false);
    }

    @Override
    protected List<Object> create(Kryo kryo, Input in, Class<? extends List<Object>> type, int size) {
      return new ArrayList<>(Bounds.requireAvailable(in, size, Byte.BYTES, "List"));
    }

    @Override
    public List<Object> read(Kryo kryo, Input in, Class<? extends List<Object>> type) {
      return List.copyOf(super.read(kryo, in, type));
    }
  }
}
