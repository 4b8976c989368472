package dev.cohort.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.cohort.cluster.ClusterNode;
import dev.cohort.cluster.LocalWorkers;
import dev.cohort.cluster.NodeSpec;
import dev.cohort.cluster.WorkerLaunch;
import dev.cohort.config.CohortConfig;
import dev.cohort.coordinator.metrics.MeteredListener;
import dev.cohort.metrics.ClusterMetrics;
import dev.cohort.metrics.RunMetrics;
import dev.cohort.placement.Placement;
import dev.cohort.placement.PlacementPlanner;
import dev.cohort.placement.WorkerId;
import dev.cohort.worker.train.Corpora;
import dev.cohort.worker.train.RunDirectory;
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
    return run(config, hocon, progress, resume, (node, directory) -> {
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
    return run(config, hocon, progress, resume, (node, directory) -> null);
  }

  /** Starts the workers of a run, if this JVM starts them; null when they join on their own. */
  private interface WorkerStarter {
    LocalWorkers start(ClusterNode<Void> node, Path runDirectory);
  }

  private static ObjectNode run(CohortConfig config, Config hocon, RunSpec.Listener progress, boolean resume,
      WorkerStarter starter) {
    List<WorkerId> placeholders = new ArrayList<>();
    for (int i = 0; i < config.parallel().workers(); i++) placeholders.add(new WorkerId("worker-" + i));
    PlacementPlanner.plan(config.model(), config.parallel(), placeholders, 0); // an impossible plan fails here
    Corpora.openOrPrepare(config); // once, here, before the workers open it
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
        ClusterNode<Void> node = ClusterNode.start(NodeSpec.coordinator(config.cluster()), Behaviors.empty());
        LocalWorkers processes = starter.start(node, directory.root())) {
      ClusterMetrics.watch(node.system());
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
