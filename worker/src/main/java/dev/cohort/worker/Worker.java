package dev.cohort.worker;

import com.typesafe.config.ConfigFactory;
import dev.cohort.cluster.TlsContexts;
import dev.cohort.checkpoint.CheckpointTensors;
import dev.cohort.config.ClusterConfig;
import dev.cohort.config.CohortConfig;
import dev.cohort.placement.Placement;
import dev.cohort.placement.PlacementPlanner;
import dev.cohort.placement.WorkerId;
import dev.cohort.protocol.CoordinatorProtocol;
import dev.cohort.protocol.CoordinatorProtocol.StepReport;
import dev.cohort.protocol.WorkerProtocol;
import dev.cohort.protocol.WorkerProtocol.ApplyUpdate;
import dev.cohort.protocol.WorkerProtocol.Assign;
import dev.cohort.protocol.WorkerProtocol.Command;
import dev.cohort.protocol.WorkerProtocol.Internal;
import dev.cohort.protocol.WorkerProtocol.Ping;
import dev.cohort.protocol.WorkerProtocol.Probe;
import dev.cohort.protocol.WorkerProtocol.Restore;
import dev.cohort.protocol.WorkerProtocol.RunStep;
import dev.cohort.protocol.WorkerProtocol.SaveShard;
import dev.cohort.protocol.WorkerProtocol.Stop;
import dev.cohort.protocol.WorkerProtocol.Tensor;
import dev.cohort.protocol.WorkerProtocol.TensorPart;
import dev.cohort.wire.ChunkAssembler;
import dev.cohort.wire.TensorPayload;
import dev.cohort.wire.WireFormatException;
import dev.cohort.worker.collective.ActorExchange;
import dev.cohort.worker.collective.DataSockets;
import dev.cohort.worker.collective.MeteredExchange;
import dev.cohort.worker.collective.PeerUnreachable;
import dev.cohort.worker.collective.RingAllReduce;
import dev.cohort.worker.collective.SocketExchange;
import dev.cohort.worker.collective.TensorKey;
import dev.cohort.worker.collective.WorkerExchange;
import dev.cohort.worker.stage.StageEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * One worker process's actor. It registers with the receptionist, builds its slice of the model when assigned, and
 * runs steps on its engine thread: the one thread that touches its tensors (PyTorch's grad mode is per thread, and
 * actor dispatchers hop threads). Tensors from peers go straight into the engine's exchange; anything of another
 * run or placement epoch is logged and dropped.
 */
public final class Worker {
  private Worker() {}

  private record Built(Assign assign, StageEngine engine, WorkerExchange exchange, MeteredExchange metered,
      Throwable error) implements Internal {}

  private record StepDone(RunStep request, StepReport report, Throwable error) implements Internal {}

  private record UpdateDone(ApplyUpdate request, Throwable error) implements Internal {}

  private record ShardDone(SaveShard request, CoordinatorProtocol.ShardSaved saved, Throwable error)
      implements Internal {}

  private record RestoreDone(Restore request, Throwable error) implements Internal {}

  /** The worker's two threads: the engine's (every tensor op) and the checkpoint writer's (checksums of written files). */
  private record Threads(ExecutorService engine, ExecutorService writer) {
    void shutdown() {
      engine.shutdown();
      writer.shutdown();
    }
  }

  /** What a worker holds while it serves a run. */
  private record Serving(Assign assign, StageEngine engine, WorkerExchange exchange, MeteredExchange metered,
      ChunkAssembler chunks) {
    boolean current(String runId, long epoch) {
      return assign.runId().equals(runId) && assign.epoch() == epoch;
    }

    /** On the engine thread: the engine's tensors, then the data plane's sockets and threads. */
    void close() {
      engine.close();
      exchange.close();
    }
  }

  public static Behavior<Command> create() {
    return Behaviors.setup(context -> {
      String workerId = context.getSystem().address().toString(); // as the coordinator sees it: pekko://cohort@HOST:PORT
      context.getSystem().receptionist().tell(Receptionist.register(WorkerProtocol.SERVICE_KEY, context.getSelf()));
      context.getLog().info("worker {} registered", workerId);
      Threads threads = new Threads(Executors.newSingleThreadExecutor(r -> new Thread(r, "cohort-engine")),
          Executors.newSingleThreadExecutor(r -> new Thread(r, "cohort-checkpoint-writer")));
      return idle(context, workerId, threads);
    });
  }

  private static Behavior<Command> idle(ActorContext<Command> context, String workerId, Threads threads) {
    return Behaviors.receive(Command.class)
        .onMessage(Ping.class, ping -> pong(ping, workerId))
        .onMessage(Assign.class, assign -> startBuild(context, workerId, threads, assign, null))
        .onMessage(Built.class, built -> onBuilt(context, workerId, threads, built))
        .onMessage(Tensor.class, tensor -> dropStray(context, "tensor of epoch " + tensor.epoch()))
        .onMessage(TensorPart.class, part -> dropStray(context, "tensor part of epoch " + part.epoch()))
        .onMessage(Probe.class, probe -> dropStray(context, probe.toString()))
        .onMessage(Stop.class, stop -> stop(context, null, threads))
        .build();
  }

  /** Builds the slice of a new placement on the engine thread, after closing the previous placement's. */
  private static Behavior<Command> startBuild(ActorContext<Command> context, String workerId, Threads threads,
      Assign assign, Serving previous) {
    String host = context.getSystem().address().getHost().orElseThrow();
    context.pipeToSelf(CompletableFuture.supplyAsync(() -> {
      if (previous != null) previous.close();
      return build(assign, workerId, host);
    }, threads.engine()), (built, error) -> error == null ? built : new Built(assign, null, null, null, error));
    return idle(context, workerId, threads);
  }

  /** @param host this node's cluster host, where a socket data plane listens */
  private static Built build(Assign assign, String workerId, String host) {
    CohortConfig config = CohortConfig.fromHocon(
        ConfigFactory.parseString(assign.configHocon()).getConfig(CohortConfig.ROOT));
    List<WorkerId> ids = assign.workerIds().stream().map(WorkerId::new).toList();
    Placement placement = PlacementPlanner.plan(config.model(), config.parallel(), ids, assign.epoch());
    Map<String, ActorRef<Command>> peers = new HashMap<>();
    for (int i = 0; i < ids.size(); i++) peers.put(assign.workerIds().get(i), assign.workers().get(i));
    WorkerExchange exchange = config.cluster().transport().equals(ClusterConfig.TCP)
        ? SocketExchange.open(new WorkerId(workerId), host, config.cluster().dataPort(), dataSockets(config.cluster()))
        : new ActorExchange(new WorkerId(workerId), peers);
    Duration timeout = Duration.ofSeconds(config.cluster().stepTimeoutSeconds());
    try {
      MeteredExchange metered = new MeteredExchange(exchange);
      StageEngine engine = new StageEngine(config, placement, metered, new RingAllReduce(metered, timeout), timeout);
      return new Built(assign, engine, exchange, metered, null);
    } catch (RuntimeException e) {
      exchange.close();
      throw e;
    }
  }

  /** The data addresses of a first RunStep, which come in ascending order of worker id, by worker. */
  private static Map<WorkerId, String> dataAddresses(Assign assign, List<String> addresses) {
    List<String> ids = assign.workerIds().stream().sorted().toList();
    if (addresses.size() != ids.size()) {
      throw new IllegalArgumentException(addresses.size() + " data addresses for the " + ids.size()
          + " workers of run " + assign.runId());
    }
    Map<WorkerId, String> byWorker = new HashMap<>();
    for (int i = 0; i < ids.size(); i++) byWorker.put(new WorkerId(ids.get(i)), addresses.get(i));
    return byWorker;
  }

  private static Behavior<Command> onBuilt(ActorContext<Command> context, String workerId, Threads threads,
      Built built) {
    Assign assign = built.assign();
    if (built.error() != null) {
      context.getLog().error("cannot build my part of run {}", assign.runId(), built.error());
      assign.coordinator().tell(new CoordinatorProtocol.Failed(assign.runId(), assign.epoch(), workerId,
          "building the model slice failed: " + built.error()));
      return Behaviors.same();
    }
    assign.coordinator().tell(
        new CoordinatorProtocol.Ready(assign.runId(), assign.epoch(), workerId, built.exchange().dataAddress()));
    return serving(context, workerId, threads,
        new Serving(assign, built.engine(), built.exchange(), built.metered(), new ChunkAssembler()));
  }

  private static Behavior<Command> serving(ActorContext<Command> context, String workerId, Threads threads,
      Serving run) {
    ActorRef<CoordinatorProtocol.Command> coordinator = run.assign().coordinator();
    ExecutorService engineThread = threads.engine();
    return Behaviors.receive(Command.class)
        .onMessage(Ping.class, ping -> pong(ping, workerId))
        .onMessage(Assign.class, assign -> {
          if (assign.runId().equals(run.assign().runId()) && assign.epoch() <= run.assign().epoch()) {
            return dropStray(context, "assignment of epoch " + assign.epoch());
          }
          context.getLog().info("new placement epoch {} (was {}): rebuilding", assign.epoch(), run.assign().epoch());
          run.exchange().abort(); // a step waiting on a lost peer ends now instead of at the step timeout
          return startBuild(context, workerId, threads, assign, run);
        })
        .onMessage(SaveShard.class, request -> {
          if (!run.current(request.runId(), request.epoch())) return dropStray(context, request.toString());
          // Streamed on the engine thread before the next step's work, so the arrays hold still without a copy;
          // only the checksums are left to the writer thread.
          context.pipeToSelf(CompletableFuture.supplyAsync(() -> ShardWriter.write(request, run.engine().shard()),
                      engineThread)
                  .thenApplyAsync(written -> ShardWriter.describe(request, workerId, written), threads.writer()),
              (saved, error) -> new ShardDone(request, saved, error));
          return Behaviors.same();
        })
        .onMessage(ShardDone.class, done -> {
          SaveShard r = done.request();
          if (done.error() == null) {
            coordinator.tell(done.saved());
          } else {
            // Not a failure of the run: the coordinator abandons this checkpoint and training goes on.
            Throwable cause = rootCause(done.error());
            context.getLog().error("checkpoint shard of step {} not written", r.step(), cause);
            coordinator.tell(new CoordinatorProtocol.ShardFailed(r.runId(), r.epoch(), r.step(), workerId,
                cause.getMessage() == null ? cause.toString() : cause.getMessage()));
          }
          return Behaviors.same();
        })
        .onMessage(Restore.class, request -> {
          if (!run.current(request.runId(), request.epoch())) return dropStray(context, request.toString());
          context.pipeToSelf(CompletableFuture.runAsync(() -> run.engine().restore(
                  CheckpointTensors.of(Path.of(request.dir()), request.files()), request.optimizerSteps()), engineThread),
              (ignored, error) -> new RestoreDone(request, error));
          return Behaviors.same();
        })
        .onMessage(RestoreDone.class, done -> {
          Restore r = done.request();
          coordinator.tell(done.error() == null ? new CoordinatorProtocol.Restored(r.runId(), r.epoch(), workerId)
              : failed(context, run, workerId, "restoring " + r.dir(), done.error()));
          return Behaviors.same();
        })
        .onMessage(RunStep.class, request -> {
          if (!run.current(request.runId(), request.epoch())) return dropStray(context, request.toString());
          run.exchange().dropBefore(request.step());
          if (!request.dataAddresses().isEmpty()) {
            try {
              run.exchange().connect(dataAddresses(run.assign(), request.dataAddresses()));
            } catch (RuntimeException e) {
              coordinator.tell(failed(context, run, workerId, "connecting to the other workers", e));
              return Behaviors.same();
            }
          }
          context.pipeToSelf(CompletableFuture.supplyAsync(
              () -> run.engine().runStep(request.step(), request.lossScale()), engineThread),
              (report, error) -> new StepDone(request, report, error));
          return Behaviors.same();
        })
        .onMessage(StepDone.class, done -> {
          RunStep r = done.request();
          if (peerLost(done.error())) {
            // Not a failure of the run: the coordinator hears of the dead peer from the cluster and replans, or
            // fails the step at its timeout if the peer is alive after all.
            context.getLog().warn("step {} stopped, a peer is unreachable: {}", r.step(), rootCause(done.error()));
            return Behaviors.same();
          }
          coordinator.tell(done.error() == null
              ? new CoordinatorProtocol.Gradients(r.runId(), r.epoch(), r.step(), workerId, done.report())
              : failed(context, run, workerId, "step " + r.step(), done.error()));
          return Behaviors.same();
        })
        .onMessage(ApplyUpdate.class, request -> {
          if (!run.current(request.runId(), request.epoch())) return dropStray(context, request.toString());
          context.pipeToSelf(CompletableFuture.runAsync(
                  () -> run.engine().applyUpdate(request.lr(), request.gradScale(), request.expertLoads()), engineThread),
              (ignored, error) -> new UpdateDone(request, error));
          return Behaviors.same();
        })
        .onMessage(UpdateDone.class, done -> {
          ApplyUpdate r = done.request();
          coordinator.tell(done.error() == null
              ? new CoordinatorProtocol.Updated(r.runId(), r.epoch(), r.step(), workerId)
              : failed(context, run, workerId, "update " + r.step(), done.error()));
          return Behaviors.same();
        })
        .onMessage(Tensor.class, t -> {
          if (t.epoch() != run.assign().epoch()) return dropStray(context, "tensor of epoch " + t.epoch());
          run.exchange().deliver(new TensorKey(t.epoch(), t.step(), t.kind(), t.index(), t.from()), t.payload());
          return Behaviors.same();
        })
        .onMessage(TensorPart.class, t -> {
          if (t.epoch() != run.assign().epoch()) return dropStray(context, "tensor part of epoch " + t.epoch());
          Optional<TensorPayload> whole;
          try {
            whole = run.chunks().add(t.chunk());
          } catch (WireFormatException e) {
            // A part that contradicts its transfer (duplicate, other header, over the reassembly budget) cannot be
            // repaired here; dropping it keeps the worker serving and the step fails by its timeout instead.
            context.getLog().error("dropped tensor part from {}: {}", t.from(), e.getMessage());
            return Behaviors.same();
          }
          whole.ifPresent(payload -> run.exchange()
              .deliver(new TensorKey(t.epoch(), t.step(), t.kind(), t.index(), t.from()), payload));
          return Behaviors.same();
        })
        .onMessage(Probe.class, probe -> {
          if (!run.current(probe.runId(), probe.epoch())) return dropStray(context, probe.toString());
          coordinator.tell(new CoordinatorProtocol.Progress(probe.runId(), probe.epoch(), probe.step(), workerId,
              run.metered().waitingOnPeer()));
          return Behaviors.same();
        })
        .onMessage(Stop.class, stop -> stop(context, run, threads))
        .build();
  }

  private static boolean peerLost(Throwable error) {
    for (Throwable e = error; e != null; e = e.getCause()) {
      if (e instanceof PeerUnreachable) return true;
    }
    return false;
  }

  private static Throwable rootCause(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }

  private static CoordinatorProtocol.Failed failed(ActorContext<Command> context, Serving run, String workerId,
      String what, Throwable error) {
    Throwable cause = rootCause(error);
    context.getLog().error("{} of run {} failed", what, run.assign().runId(), cause);
    return new CoordinatorProtocol.Failed(run.assign().runId(), run.assign().epoch(), workerId, what + ": " + cause);
  }

  private static Behavior<Command> pong(Ping ping, String workerId) {
    ping.replyTo().tell(new CoordinatorProtocol.Pong(ping.id(), workerId));
    return Behaviors.same();
  }

  private static Behavior<Command> dropStray(ActorContext<Command> context, String what) {
    context.getLog().warn("dropped {}: not for the run and placement epoch this worker serves", what);
    return Behaviors.same();
  }

  /** @param run what the worker serves, null when idle */
  private static Behavior<Command> stop(ActorContext<Command> context, Serving run, Threads threads) {
    if (run != null) threads.engine().execute(run::close);
    threads.shutdown();
    context.getLog().info("stopping: the run is over");
    context.getSystem().terminate();
    return Behaviors.stopped();
  }

  /** Tensors travel under the same mutual TLS as Artery when it is on, so the data plane is no weaker link. */
  private static DataSockets dataSockets(ClusterConfig cluster) {
    return cluster.tls().enabled() ? DataSockets.tls(TlsContexts.fromConfig(cluster.tls())) : DataSockets.plain();
  }
}
