package dev.cohort.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;

/**
 * A typed {@link ActorRef} as its serialization-format path (which carries the node's address), resolved back
 * through the receiving system's {@link ActorRefResolver}. The resolver comes from the Kryo instance's context,
 * where {@link KryoSerializer} puts it, so this serializer holds no per-system state.
 */
public final class ActorRefSerializer extends Serializer<ActorRef<?>> {
  /** Key of the {@code Supplier<ActorRefResolver>} in {@link Kryo#getContext()}. */
  static final String RESOLVER = "cohort.actor-ref-resolver";

  @Override
  public void write(Kryo kryo, Output out, ActorRef<?> ref) {
    BoundedSerializers.writeString(out, resolver(kryo).toSerializationFormat(ref));
  }

  @Override
  public ActorRef<?> read(Kryo kryo, Input in, Class<? extends ActorRef<?>> type) {
    return resolver(kryo).resolveActorRef(BoundedSerializers.readString(in));
  }

  @SuppressWarnings("unchecked")
  private static ActorRefResolver resolver(Kryo kryo) {
    Supplier<ActorRefResolver> supplier = (Supplier<ActorRefResolver>) kryo.getContext().get(RESOLVER);
    if (supplier == null) throw new IllegalStateException("Kryo has no ActorRefResolver: use KryoSerializer's pool");
    return supplier.get();
  }
}
