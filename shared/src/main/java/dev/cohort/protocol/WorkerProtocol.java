package dev.cohort.protocol;

import dev.cohort.wire.WireMessage;
import dev.cohort.wire.TensorChunk;
import dev.cohort.wire.TensorPayload;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * What a worker answers. Lives in shared, not beside the Worker actor, because the coordinator module must see it
 * without depending on the worker module.
 *
 * <p>A worker's id is its node's address as text ({@code pekko://cohort@HOST:PORT}): unique while the process lives
 * and readable by the coordinator from any reference to the worker.
 */
public final class WorkerProtocol {
  private WorkerProtocol() {}

  /** Every worker registers under this key; the coordinator subscribes to its listing. */
  public static final ServiceKey<Command> SERVICE_KEY = ServiceKey.create(Command.class, "cohort-worker");

  /**
   * The worker's messages: the public records below, which cross nodes, and {@link Internal} ones the worker sends
   * itself (its engine thread's results).
   */
  public sealed interface Command
      permits Ping, Assign, RunStep, ApplyUpdate, Tensor, TensorPart, Stop, SaveShard, Restore, Probe, Internal {}

  /** The worker's private messages, declared in the worker module; they never leave its JVM. */
  public non-sealed interface Internal extends Command {}

  /**
   * Take a place in run {@code runId}: every worker derives the same placement from (config, epoch, workerIds) with
   * the pure planner, builds its slice of the model and answers {@link CoordinatorProtocol.Ready}.
   *
   * @param workerIds the workers of this epoch in placement order; workers.get(i) is workerIds.get(i)
   */
  public record Assign(String runId, long epoch, String configHocon, List<String> workerIds,
      List<ActorRef<Command>> workers, ActorRef<CoordinatorProtocol.Command> coordinator) implements Command, WireMessage {
    public Assign {
      workerIds = List.copyOf(workerIds);
      workers = List.copyOf(workers);
    }
  }

  /**
   * Run forward and backward of every micro-batch this worker owns in step {@code step}, then reduce gradients.
   *
   * @param dataAddresses on the first step of a placement epoch, every worker's {@link CoordinatorProtocol.Ready}
   *     data address, in ascending order of worker id; empty on later steps (the workers are connected by then)
   * @param lossScale what every micro-batch's loss is multiplied by before backward (the coordinator's dynamic loss
   *     scale under fp16-mixed, 1 in fp32); ApplyUpdate's gradScale divides it out again
   */
  public record RunStep(String runId, long epoch, long step, List<String> dataAddresses, double lossScale)
      implements Command, WireMessage {
    public RunStep {
      dataAddresses = List.copyOf(dataAddresses);
    }
  }

  /**
   * Apply the optimizer with the coordinator's learning rate and gradient factor (the clipping scale from the global
   * gradient norm over the step's loss scale), and move the routers' balancing biases by the step's global expert
   * loads. Not sent for a step the coordinator skips (a non-finite global norm).
   *
   * @param expertLoads per MoE block of the whole model in forward order, tokens routed to each expert over the
   *     step's global batch (StepSummary's expert tokens)
   */
  public record ApplyUpdate(String runId, long epoch, long step, double lr, double gradScale, int[][] expertLoads)
      implements Command, WireMessage {}

  /** A tensor for another worker's engine: an activation, its gradient, or an all-reduce chunk. */
  public record Tensor(long epoch, long step, String kind, int index, String from, TensorPayload payload)
      implements Command, WireMessage {}

  /** One chunk of a tensor too large for one Artery frame. */
  public record TensorPart(long epoch, long step, String kind, int index, String from, TensorChunk chunk)
      implements Command, WireMessage {}

  /**
   * Checkpoint the state after {@code step} optimizer steps: snapshot the tensors this worker owns (in message order,
   * so before the next RunStep), write them into the pending checkpoint directory {@code dir} in the background, and
   * answer {@link CoordinatorProtocol.ShardSaved} once the files are durable.
   */
  public record SaveShard(String runId, long epoch, long step, String dir) implements Command, WireMessage {}

  /**
   * Load every tensor this worker's slice holds from the committed checkpoint in {@code dir} (whatever placement
   * wrote it: tensors are found by global name in {@code files}), then answer {@link CoordinatorProtocol.Restored}.
   */
  public record Restore(String runId, long epoch, String dir, List<String> files, long optimizerSteps)
      implements Command, WireMessage {
    public Restore {
      files = List.copyOf(files);
    }
  }

  /** The run is over (or abandoned): release the model and stop the node. */
  public record Stop(String runId) implements Command, WireMessage {}

  /** Liveness probe: answered with {@link CoordinatorProtocol.Pong} carrying the same id. */
  public record Ping(long id, ActorRef<CoordinatorProtocol.Command> replyTo) implements Command, WireMessage {}

  /**
   * The coordinator found this worker late in step {@code step}: answer {@link CoordinatorProtocol.Progress}, saying
   * whether the engine is blocked on a peer (then the peer is the straggler, not this worker).
   */
  public record Probe(String runId, long epoch, long step) implements Command, WireMessage {}

  /** The id of the worker behind {@code worker}, a reference obtained from the receptionist or a message. */
  public static String workerId(ActorRef<?> worker) {
    return worker.path().address().toString();
  }
}
