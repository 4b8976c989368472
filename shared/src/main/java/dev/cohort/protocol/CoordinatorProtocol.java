package dev.cohort.protocol;

import dev.cohort.wire.WireMessage;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/** What the coordinator (a cluster singleton) accepts from workers and from tools. */
public final class CoordinatorProtocol {
  private CoordinatorProtocol() {}

  /**
   * The coordinator's messages: the public ones below, which cross nodes, and {@link Internal} ones that the
   * coordinator sends itself.
   */
  public sealed interface Command
      permits Pong, ListWorkers, Ready, Gradients, Updated, Failed, ShardSaved, Restored, Progress, ShardFailed,
      Internal {}

  /**
   * The coordinator's private messages (receptionist and cluster-event adapters, timers), declared private in the
   * coordinator module. Not sealed because that module cannot add to a sealed family declared here; not
   * WireMessages because they never leave the coordinator's JVM, so sending one to another node fails loudly.
   */
  public non-sealed interface Internal extends Command {}

  /** A worker's answer to {@link WorkerProtocol.Ping}. */
  public record Pong(long id, String workerId) implements Command, WireMessage {}

  /**
   * A worker built its slice for placement {@code epoch} and waits for steps.
   *
   * @param dataAddress where the other workers send it tensors (HOST:PORT), "" when tensors travel over Artery
   */
  public record Ready(String runId, long epoch, String workerId, String dataAddress) implements Command, WireMessage {}

  /** A worker's forward and backward of step {@code step} are done and its gradients reduced. */
  public record Gradients(String runId, long epoch, long step, String workerId, StepReport report)
      implements Command, WireMessage {}

  /** A worker applied the update of step {@code step}. */
  public record Updated(String runId, long epoch, long step, String workerId) implements Command, WireMessage {}

  /**
   * A worker's shard of checkpoint {@code step} is durable in the pending directory: its files (empty when the worker
   * owns no tensor, a data-parallel copy) and the optimizer steps it has taken.
   */
  public record ShardSaved(String runId, long epoch, long step, String workerId, List<ShardFile> files,
      long optimizerSteps) implements Command, WireMessage {
    public ShardSaved {
      files = List.copyOf(files);
    }
  }

  /** One fsynced shard file as the manifest lists it. */
  public record ShardFile(String name, long bytes, String sha256) implements WireMessage {}

  /** A worker loaded its slice from the checkpoint it was told to restore. */
  public record Restored(String runId, long epoch, String workerId) implements Command, WireMessage {}

  /**
   * A worker's answer to {@link WorkerProtocol.Probe}: whether its engine is, right now, sending to or waiting for a
   * peer (a data-parallel replica waiting in the all-reduce, a pipeline stage waiting for activations).
   */
  public record Progress(String runId, long epoch, long step, String workerId, boolean waitingOnPeer)
      implements Command, WireMessage {}

  /**
   * A worker could not write its shard of checkpoint {@code step} (disk full, an I/O error): that checkpoint is
   * abandoned, training goes on.
   */
  public record ShardFailed(String runId, long epoch, long step, String workerId, String error)
      implements Command, WireMessage {}

  /** A worker could not do what it was asked; the message says what went wrong. */
  public record Failed(String runId, long epoch, String workerId, String error) implements Command, WireMessage {}

  /**
   * One worker's share of a step, as sums the coordinator adds up over workers.
   *
   * @param gradNormSquared squared norm of the gradients this worker counts (each parameter counted by one worker)
   * @param crossEntropySum sum over the micro-batches whose loss it computed (last stage)
   * @param balanceSum load-balancing losses summed over its MoE layers and micro-batches
   * @param zSum router z-losses likewise
   * @param expertTokens per MoE layer of its stage (in layer order), tokens routed to each expert
   * @param routerEntropySums per MoE layer of its stage, the router's mean entropy summed over its micro-batches
   * @param forwardMs compute time of its forwards
   * @param backwardMs compute time of its backwards
   * @param commMs time in collectives (gradient all-reduce)
   * @param idleMs time waiting for pipeline neighbours
   * @param tokens token ids it fed the model (first stage: rows x length of its micro-batches), else 0
   * @param objectiveSums the objective's figures (ObjectiveFigures) summed over its micro-batches (last stage)
   * @param deviceMemoryBytes its GPU's used bytes after the step (DeviceMemory), -1 on the CPU
   * @param routerBiases the balancing biases its stage's routers routed this step with, layer-major (each layer's E
   *     experts in turn; empty without bias balancing); equal on every replica of the stage
   * @param peakResidentBytes the worker process's peak resident memory so far (VmHWM), -1 where /proc is missing
   * @param stateBytes bytes of the weights, gradients and AdamW moments it holds (with parallel.zero, fewer moments)
   */
  public record StepReport(
      double gradNormSquared,
      double crossEntropySum,
      double balanceSum,
      double zSum,
      int stage,
      int replica,
      int[][] expertTokens,
      int[] droppedTokens,
      double[] routerEntropySums,
      double forwardMs,
      double backwardMs,
      double commMs,
      double idleMs,
      long tokens,
      double[] objectiveSums,
      long deviceMemoryBytes,
      double[] routerBiases,
      long peakResidentBytes,
      long stateBytes) implements WireMessage {}

  /** Asks for the ids of the workers that are registered and reachable. */
  public record ListWorkers(ActorRef<WorkerList> replyTo) implements Command, WireMessage {}

  /** The answer to {@link ListWorkers}, ids in ascending order. */
  public record WorkerList(List<String> workerIds) implements WireMessage {
    public WorkerList {
      workerIds = List.copyOf(workerIds);
    }
  }
}
