package dev.cohort.wire.registry;

import com.esotericsoftware.kryo.serializers.DefaultSerializers;
import dev.cohort.protocol.CoordinatorProtocol;
import dev.cohort.protocol.WorkerProtocol;
import dev.cohort.tensor.DType;
import dev.cohort.wire.ActorRefSerializer;
import dev.cohort.wire.BoundedSerializers;
import dev.cohort.wire.TensorChunk;
import dev.cohort.wire.TensorPayload;
import dev.cohort.wire.TensorPayloadSerializer;
import dev.cohort.wire.WireClass;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Every class that may appear in a cross-node message, in registration order: the wire format's own types and the
 * protocol's records. It sits above both packages, so the format knows nothing of the messages it carries. Kryo numbers classes in the order
 * they are registered and writes only that number, so every node must run with this exact list: append new
 * classes at the end, never reorder or remove one while nodes of different builds may talk.
 */
public final class WireClasses {
  private WireClasses() {}

  public static final List<WireClass> ALL = List.of(
      // JDK values. String is pre-registered by Kryo; this swaps in a serializer that bounds its length.
      WireClass.of(String.class, BoundedSerializers.Utf8::new),
      WireClass.of(byte[].class, BoundedSerializers.Bytes::new),
      WireClass.of(int[].class, BoundedSerializers.Ints::new),
      WireClass.of(long[].class, BoundedSerializers.Longs::new),
      WireClass.of(float[].class, BoundedSerializers.Floats::new),
      WireClass.of(UUID.class, DefaultSerializers.UUIDSerializer::new),
      // Lists: build messages with List.copyOf / List.of (two JDK classes), or ArrayList.
      WireClass.of(ArrayList.class, BoundedSerializers.MutableList::new),
      WireClass.of(List.of().getClass(), BoundedSerializers.ImmutableList::new),
      WireClass.of(List.of(0).getClass(), BoundedSerializers.ImmutableList::new),
      // Typed actor refs of any implementation class (KryoSerializer maps them all to this registration).
      WireClass.of(ActorRef.class, ActorRefSerializer::new),
      // Tensors.
      WireClass.of(DType.class),
      WireClass.of(TensorPayload.class, TensorPayloadSerializer::new),
      WireClass.of(TensorChunk.class),
      // Protocol records: append here.
      WireClass.of(WorkerProtocol.Ping.class),
      WireClass.of(CoordinatorProtocol.Pong.class),
      WireClass.of(CoordinatorProtocol.ListWorkers.class),
      WireClass.of(CoordinatorProtocol.WorkerList.class),
      WireClass.of(int[][].class, BoundedSerializers.IntRows::new),
      WireClass.of(WorkerProtocol.Assign.class),
      WireClass.of(WorkerProtocol.RunStep.class),
      WireClass.of(WorkerProtocol.ApplyUpdate.class),
      WireClass.of(WorkerProtocol.Tensor.class),
      WireClass.of(WorkerProtocol.TensorPart.class),
      WireClass.of(WorkerProtocol.Stop.class),
      WireClass.of(CoordinatorProtocol.Ready.class),
      WireClass.of(CoordinatorProtocol.Gradients.class),
      WireClass.of(CoordinatorProtocol.StepReport.class),
      WireClass.of(CoordinatorProtocol.Updated.class),
      WireClass.of(CoordinatorProtocol.Failed.class),
      WireClass.of(WorkerProtocol.SaveShard.class),
      WireClass.of(WorkerProtocol.Restore.class),
      WireClass.of(CoordinatorProtocol.ShardSaved.class),
      WireClass.of(CoordinatorProtocol.ShardFile.class),
      WireClass.of(CoordinatorProtocol.Restored.class),
      WireClass.of(double[].class, BoundedSerializers.Doubles::new),
      WireClass.of(WorkerProtocol.Probe.class),
      WireClass.of(CoordinatorProtocol.Progress.class),
      WireClass.of(CoordinatorProtocol.ShardFailed.class)
  );
}
