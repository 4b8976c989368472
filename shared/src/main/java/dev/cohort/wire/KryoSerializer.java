package dev.cohort.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.io.ByteBufferInput;
import com.esotericsoftware.kryo.io.ByteBufferOutput;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.KryoBufferOverflowException;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.DefaultClassResolver;
import com.esotericsoftware.kryo.util.Pool;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.ByteBufferSerializer;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Pekko serializer for {@link WireMessage}s on Kryo. The manifest is the message's class name, checked against
 * the registered classes before any byte is read; fields inside are written by Kryo with registration numbers, so
 * registration is required and every node registers the same list in the same order. Anything that cannot be
 * decoded is rejected with a {@link WireFormatException} naming the class; Artery logs it, drops the message and
 * carries on.
 *
 * <p>Implements {@link ByteBufferSerializer} so Artery writes straight into its frame buffers without a copy.
 */
public abstract class KryoSerializer extends SerializerWithStringManifest implements ByteBufferSerializer {
  /** Pekko reserves 0-40 for its own serializers. */
  public static final int IDENTIFIER = 4242;

  /** Kryo instances kept for reuse; more are made under contention and dropped again. */
  private static final int POOL_SIZE = 16;

  /**
   * Deepest nesting of objects in a message. Ours nest at most 4 deep (a report in a message, rows in the report);
   * the bound turns a hostile chain of nested lists into a clean rejection instead of a StackOverflowError.
   */
  static final int MAX_DEPTH = 16;

  /** First buffer for {@link #toBinary(Object)}; it grows as needed. */
  private static final int INITIAL_BUFFER_BYTES = 4096;

  private final ExtendedActorSystem system;
  private final Map<String, Class<?>> classesByManifest = new HashMap<>();
  private final Pool<Kryo> pool;
  private volatile ActorRefResolver resolver;

  /**
   * A serializer of exactly these classes, registered in this order (the subclass Pekko binds names the list:
   * CohortSerializer for every node, more for tests and benchmarks; all share {@link #IDENTIFIER}).
   */
  protected KryoSerializer(ExtendedActorSystem system, List<WireClass> classes) {
    this.system = system;
    for (WireClass c : classes) classesByManifest.put(c.type().getName(), c.type());
    Supplier<ActorRefResolver> resolvers = this::resolver;
    this.pool = new Pool<>(true, false, POOL_SIZE) {
      @Override
      protected Kryo create() {
        return newKryo(classes, resolvers);
      }
    };
  }

  private static Kryo newKryo(List<WireClass> classes, Supplier<ActorRefResolver> resolvers) {
    Kryo kryo = new Kryo(new ActorRefAwareClassResolver(), null);
    kryo.setRegistrationRequired(true);
    kryo.setReferences(false);
    kryo.setMaxDepth(MAX_DEPTH);
    kryo.getContext().put(ActorRefSerializer.RESOLVER, resolvers);
    for (WireClass c : classes) c.registerWith(kryo);
    return kryo;
  }

  /** Created on first use: the typed system is not ready yet while Pekko constructs its serializers. */
  private ActorRefResolver resolver() {
    ActorRefResolver r = resolver;
    if (r == null) {
      r = ActorRefResolver.get(Adapter.toTyped(system));
      resolver = r;
    }
    return r;
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object message) {
    return message.getClass().getName();
  }

  @Override
  public byte[] toBinary(Object message) {
    Output out = new Output(INITIAL_BUFFER_BYTES, -1);
    write(message, out);
    return out.toBytes();
  }

  /** Writes into Artery's frame buffer; a message that does not fit is reported as Artery's oversized payload. */
  @Override
  public void toBinary(Object message, ByteBuffer buffer) {
    ByteBufferOutput out = new ByteBufferOutput(buffer, buffer.capacity());
    try {
      write(message, out);
    } catch (KryoBufferOverflowException e) {
      BufferOverflowException overflow = new BufferOverflowException();
      overflow.initCause(e);
      throw overflow;
    }
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) {
    return read(new Input(bytes), manifest);
  }

  @Override
  public Object fromBinary(ByteBuffer buffer, String manifest) {
    return read(new ByteBufferInput(buffer), manifest);
  }

  private void write(Object message, Output out) {
    Kryo kryo = pool.obtain();
    try {
      kryo.writeObject(out, message);
      out.flush();
    } finally {
      pool.free(kryo);
    }
  }

  private Object read(Input in, String manifest) {
    Class<?> type = classesByManifest.get(manifest);
    if (type == null) {
      throw new WireFormatException("unknown wire class '" + manifest + "': not registered on this node"
          + " (a node built from a different version?)");
    }
    long size = Bounds.remaining(in);
    Kryo kryo = pool.obtain();
    try {
      return kryo.readObject(in, type);
    } catch (RuntimeException e) {
      throw new WireFormatException("cannot decode " + manifest + " from " + size + " bytes: " + reason(e), e);
    } finally {
      pool.free(kryo);
    }
  }

  /** The rule a record's constructor gave for refusing its fields, which Kryo wraps in reflection exceptions. */
  private static String reason(RuntimeException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof WireFormatException) return t.getMessage();
    }
    return e.getMessage();
  }

  /** Maps every typed ActorRef implementation class to the single {@code ActorRef} registration. */
  private static final class ActorRefAwareClassResolver extends DefaultClassResolver {
    @Override
    public Registration getRegistration(Class type) {
      Registration registration = super.getRegistration(type);
      if (registration == null && ActorRef.class.isAssignableFrom(type)) {
        return super.getRegistration(ActorRef.class);
      }
      return registration;
    }
  }
}
