package dev.cohort.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.cohort.cluster.ClusterNode;
import dev.cohort.cluster.HostPort;
import dev.cohort.cluster.LocalWorkers;
import dev.cohort.cluster.NodeSpec;
import dev.cohort.cluster.WorkerLaunch;
import dev.cohort.config.CohortConfig;
import dev.cohort.metrics.ClusterMetrics;
import dev.cohort.metrics.RunMetrics;
import dev.cohort.placement.Placement;
import dev.cohort.placement.PlacementPlanner;
import dev.cohort.placement.WorkerId;
import dev.cohort.run.Corpora;
import dev.cohort.run.RunDirectory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A distributed run on this machine, as torchrun does it: the coordinator in this JVM and pp x dp worker JVMs on
 * 127.0.0.1, all stopped when the run ends, fails, or this JVM exits (the workers also watch this process's pid).
 * With cluster.restart-lost-workers a worker JVM that dies is started again; the coordinator goes on without it
 * meanwhile and takes the new one in at the next checkpoint.
 */
public final class LocalRun {
  private LocalRun() {}

  /** Why a distributed run ended before its last step. */
  public static final class RunFailed extends RuntimeException {
    public RunFailed(String reason) {
      super(reason);
    }
  }

  /**
   * Runs to the configured step count and returns the last step's metrics line.
   *
   * @param workerMain main class of the worker processes, with {@code workerCommand} as its first arguments
   */
  public static ObjectNode run(CohortConfig config, Config hocon, String workerMain, List<String> workerCommand,
      RunSpec.Listener progress) {
    return run(config, hocon, workerMain, workerCommand, progress, false, workers -> { });
  }

  /**
   * Runs a new run, or with {@code resume} continues the one in the run directory from its newest complete
   * checkpoint (under any layout: the checkpoint reshards), to the configured step count.
   *
   * @param started told the worker processes once they are started (tests kill one of them)
   */
  public static ObjectNode run(CohortConfig config, Config hocon, String workerMain, List<String> workerCommand,
      RunSpec.Listener progress, boolean resume, Consumer<LocalWorkers> started) {
    return run(config, hocon, progress, resume, NodeSpec.coordinator(config.cluster()), (node, directory) -> {
      LocalWorkers workers = LocalWorkers.start(WorkerLaunch.of(config.cluster(), config.parallel().workers(),
          node.hostPort(), workerMain, workerCommand, directory.resolve("logs"))
          .withExtraArgs(RunMetrics.localWorkerArgs(config.metrics(), directory)));
      if (config.cluster().restartLostWorkers()) workers.replacingDeadWorkers();
      started.accept(workers);
      return workers;
    });
  }

  /**
   * The same run with workers started elsewhere (by the ssh, Slurm or Kubernetes launchers in deploy/), which join
   * this node at cluster.host:cluster.coordinator-port.
   */
  public static ObjectNode runWithJoiningWorkers(CohortConfig config, Config hocon, RunSpec.Listener progress,
      boolean resume) {
    return run(config, hocon, progress, resume, NodeSpec.coordinator(config.cluster()), (node, directory) -> null);
  }

  /**
   * The standby of a run with joining workers: this node joins the cluster of the coordinator at {@code primary};
   * should that one be lost, the coordinator singleton moves here and continues the run from its newest complete
   * checkpoint. Ends when the run has ended: here, or on the primary (then the singleton comes here to find the run
   * complete, or, when the primary and the workers leave at once, the split-brain resolver downs this node).
   * Returns the last step's metrics line if this node drove the last step, else null.
   */
  public static ObjectNode standby(CohortConfig config, Config hocon, RunSpec.Listener progress, HostPort primary) {
    try {
      return run(config, hocon, progress, true, NodeSpec.standby(config.cluster(), primary), (node, dir) -> null);
    } catch (RunFailed e) {
      if (complete(config)) return null;
      throw e;
    }
  }

  /** Whether the run's newest complete checkpoint is of its last step: the run is over, wherever it ran. */
  public static boolean complete(CohortConfig config) {
    try (ShardedCheckpoints checkpoints = new ShardedCheckpoints(new RunDirectory(RunDirectory.of(config))
        .checkpoints(), config)) {
      return checkpoints.latest().filter(c -> c.step() >= config.train().steps()).isPresent();
    }
  }

  /** Starts the workers of a run, if this JVM starts them; null when they join on their own. */
  private interface WorkerStarter {
    LocalWorkers start(ClusterNode<Void> node, Path runDirectory);
  }

  private static ObjectNode run(CohortConfig config, Config hocon, RunSpec.Listener progress, boolean resume,
      NodeSpec self, WorkerStarter starter) {
    List<WorkerId> placeholders = new ArrayList<>();
    for (int i = 0; i < config.parallel().workers(); i++) placeholders.add(new WorkerId("worker-" + i));
    PlacementPlanner.plan(config.model(), config.parallel(), placeholders, 0); // an impossible plan fails here
    if (self.coordinator() == null) Corpora.openOrPrepare(config); // once, by the primary, before workers open it
    RunDirectory directory = resume ? new RunDirectory(RunDirectory.of(config))
        : RunDirectory.create(RunDirectory.of(config), hocon);
    CompletableFuture<ObjectNode> done = new CompletableFuture<>();
    AtomicReference<ObjectNode> last = new AtomicReference<>();
    RunSpec.Listener listener = new RunSpec.Listener() {
      @Override
      public void onStep(ObjectNode metrics, long totalSteps) {
        last.set(metrics);
        progress.onStep(metrics, totalSteps);
      }

      @Override
      public void onPlacement(Placement placement) {
        progress.onPlacement(placement);
      }

      @Override
      public void onStraggler(String workerId, long step, int misses) {
        progress.onStraggler(workerId, step, misses);
      }

      @Override
      public void onWorkerLost(String workerId, String reason) {
        progress.onWorkerLost(workerId, reason);
      }

      @Override
      public void onFinished() {
        done.complete(last.get());
      }

      @Override
      public void onFailed(String reason) {
        done.completeExceptionally(new RunFailed(reason));
      }
    };
    try (RunMetrics metrics = RunMetrics.start(config, "coordinator", directory.root());
        ClusterNode<Void> node = ClusterNode.start(self, Behaviors.empty());
        LocalWorkers processes = starter.start(node, directory.root())) {
      ClusterMetrics.watch(node.system());
      // A node downed or removed from the cluster ends its actor system: then no coordinator here will end the run.
      node.system().getWhenTerminated().thenRun(() -> done.completeExceptionally(new RunFailed(
          "this node left the cluster (downed, or the cluster ended) before the run ended")));
      Coordinator.startSingleton(node.system(), new RunSpec(UUID.randomUUID().toString(), config,
          CohortConfig.render(hocon), directory, new MeteredListener(metrics, listener), resume));
      return done.get(); // bounded: the coordinator fails the run on a join or step timeout
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RunFailed("interrupted");
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RunFailed failed ? failed : new IllegalStateException(e.getCause());
    }
  }
}
