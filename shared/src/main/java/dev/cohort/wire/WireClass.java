package dev.cohort.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import java.util.function.Supplier;

/**
 * One class Kryo may put on the wire and how to write it. A fresh serializer is made per Kryo instance because
 * Kryo serializers may keep per-instance state.
 *
 * @param serializer makes the serializer, or null for Kryo's default for the type (records: RecordSerializer,
 *     which calls the canonical constructor on read, so a record's validation also guards deserialization)
 */
public record WireClass(Class<?> type, Supplier<? extends Serializer<?>> serializer) {
  public WireClass {
    if (type == null) throw new IllegalArgumentException("WireClass needs a type");
  }

  public static WireClass of(Class<?> type) {
    return new WireClass(type, null);
  }

  public static WireClass of(Class<?> type, Supplier<? extends Serializer<?>> serializer) {
    return new WireClass(type, serializer);
  }

  void registerWith(Kryo kryo) {
    if (serializer == null) kryo.register(type);
    else kryo.register(type, serializer.get());
  }
}
