package dev.cohort.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.checkpoint.Checkpoint;
import dev.cohort.checkpoint.ManifestFile;
import dev.cohort.checkpoint.TrainingState;
import dev.cohort.cluster.NodeRole;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.ParallelConfig;
import dev.cohort.config.TrainConfig;
import dev.cohort.metrics.ClusterMetrics;
import dev.cohort.metrics.ObjectiveFigures;
import dev.cohort.placement.Placement;
import dev.cohort.placement.PlacementPlanner;
import dev.cohort.placement.WorkerId;
import dev.cohort.protocol.CoordinatorProtocol.Command;
import dev.cohort.protocol.CoordinatorProtocol.Failed;
import dev.cohort.protocol.CoordinatorProtocol.Gradients;
import dev.cohort.protocol.CoordinatorProtocol.Internal;
import dev.cohort.protocol.CoordinatorProtocol.ListWorkers;
import dev.cohort.protocol.CoordinatorProtocol.Pong;
import dev.cohort.protocol.CoordinatorProtocol.Progress;
import dev.cohort.protocol.CoordinatorProtocol.Ready;
import dev.cohort.protocol.CoordinatorProtocol.Restored;
import dev.cohort.protocol.CoordinatorProtocol.ShardFailed;
import dev.cohort.protocol.CoordinatorProtocol.ShardSaved;
import dev.cohort.protocol.CoordinatorProtocol.Updated;
import dev.cohort.protocol.CoordinatorProtocol.WorkerList;
import dev.cohort.protocol.StepSummary;
import dev.cohort.protocol.WorkerProtocol;
import dev.cohort.run.GradClipping;
import dev.cohort.run.LrSchedule;
import dev.cohort.run.MetricsLog;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.Down;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * The run's single coordinator, a Cluster Singleton on the coordinator-role node. It tracks the registered,
 * reachable workers; given a run, it waits for pp x dp of them, plans the placement, assigns every worker its part,
 * then drives each step in two phases: every worker's forward/backward (answered with Gradients, from which it
 * computes the global gradient norm and the clipping scale), then every worker's update. It writes metrics.jsonl.
 *
 * <p>Fault tolerance: at checkpoint steps every worker snapshots the tensors it owns and writes them in the
 * background while training goes on; the manifest is committed once every shard is durable ({@link
 * ShardedCheckpoints}). A worker that becomes unreachable or leaves is downed; the placement is replanned on the
 * workers left (after waiting up to cluster.replacement-wait-seconds for a replacement), every worker reloads the
 * last committed checkpoint, and the run goes on from its step. A worker that joins later is taken in at the next
 * checkpoint. A checkpoint that cannot be written is abandoned and training goes on, up to
 * checkpoint.max-consecutive-failures in a row. A worker that reports a failure, or a phase unanswered past the step
 * timeout, ends the run. A coordinator that takes a resumed run over (its singleton moved here) starts on the workers
 * the cluster has ({@link Replan#workersToStart}), and one that finds the run complete ends it at once.
 */
public final class Coordinator {
  private Coordinator() {}

  /** The singleton's name, the same on every node so that all proxies reach the one instance. */
  public static final String SINGLETON_NAME = "coordinator";

  private record WorkersChanged(Receptionist.Listing listing) implements Internal {}

  private record MemberChanged(ClusterEvent.MemberEvent event) implements Internal {}

  private record ReachabilityChanged(ClusterEvent.ReachabilityEvent event) implements Internal {}

  private record PhaseTimeout(long step, RunState.Phase phase) implements Internal {}

  private record JoinTimeout() implements Internal {}

  private record ReplacementTimeout(long epoch) implements Internal {}

  /** The straggler deadline of a step's phase passed: the late workers are asked whether they wait on a peer. */
  private record StragglerDeadline(long step, RunState.Phase phase) implements Internal {}

  /** The late workers had {@link #PROBE_ANSWER} to say they wait on a peer: the others missed the deadline. */
  private record StragglerVerdict(long step, RunState.Phase phase) implements Internal {}

  /**
   * How long a late worker has to answer a Probe. Its actor answers in milliseconds even while its engine computes;
   * a frozen or hung process never does, and is then blamed, as it should be.
   */
  private static final Duration PROBE_ANSWER = Duration.ofMillis(500);

  /** A worker has stayed unreachable for cluster.unreachable-grace-seconds. */
  private record StillUnreachable(org.apache.pekko.actor.Address address) implements Internal {}

  /** Starts a coordinator that only tracks workers (for `./cohort coordinator` and cluster tests). */
  public static ActorRef<Command> startSingleton(ActorSystem<?> system) {
    return startSingleton(system, null);
  }

  /**
   * Starts the singleton on this node's cluster (it runs once this node, of the coordinator role, is Up) and returns
   * a proxy to it. With a run, it drives that run as soon as enough workers have registered.
   */
  public static ActorRef<Command> startSingleton(ActorSystem<?> system, RunSpec run) {
    return ClusterSingleton.get(system).init(SingletonActor.of(create(run), SINGLETON_NAME)
        .withSettings(ClusterSingletonSettings.create(system).withRole(NodeRole.COORDINATOR.roleName())));
  }

  static Behavior<Command> create(RunSpec run) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      ActorRef<Receptionist.Listing> listings = context.messageAdapter(Receptionist.Listing.class, WorkersChanged::new);
      context.getSystem().receptionist().tell(Receptionist.subscribe(WorkerProtocol.SERVICE_KEY, listings));
      Cluster cluster = Cluster.get(context.getSystem());
      cluster.subscriptions().tell(Subscribe.create(
          context.messageAdapter(ClusterEvent.MemberEvent.class, MemberChanged::new), ClusterEvent.MemberEvent.class));
      cluster.subscriptions().tell(Subscribe.create(
          context.messageAdapter(ClusterEvent.ReachabilityEvent.class, ReachabilityChanged::new),
          ClusterEvent.ReachabilityEvent.class));
      if (run != null) {
        timers.startSingleTimer("join", new JoinTimeout(),
            Duration.ofSeconds(run.config().cluster().joinTimeoutSeconds()));
      }
      int startWith = run == null ? 0 : Replan.workersToStart(run.config(), workersPresent(cluster));
      return new Running(context, timers, startWith).begin(run);
    }));
  }

  /** Reachable Up members of the worker role: the workers of a run in progress when this coordinator takes over. */
  private static int workersPresent(Cluster cluster) {
    Set<Member> unreachable = cluster.state().getUnreachable();
    int present = 0;
    for (Member m : cluster.state().getMembers()) {
      boolean up = m.status() == MemberStatus.up();
      if (up && m.hasRole(NodeRole.WORKER.roleName()) && !unreachable.contains(m)) present++;
    }
    return present;
  }

  /** The behaviours, one per state, sharing the actor's context and timers. */
  private static final class Running {
    private final ActorContext<Command> context;
    private final TimerScheduler<Command> timers;
    private MetricsLog metrics;
    /** The run as configured (its layout may differ from the current placement's after a loss). */
    private RunSpec configured;
    private ShardedCheckpoints checkpoints;
    /** The checkpoint the current placement restores before its first step, or null (a fresh start). */
    private Checkpoint restoreFrom;
    /** Workers found unreachable and downed: never placed again, even while the receptionist still lists them. */
    private final Set<String> downed = new HashSet<>();
    private Stragglers stragglers;
    /** Late workers of the current phase that said they wait on a peer since the last straggler deadline. */
    private final Set<String> waitingOnPeer = new HashSet<>();
    /** The current placement's first step: it warms up (JIT, native memory, connections), so it has no deadline. */
    private long placementFirstStep;
    /** When the last worker loss was noticed (System.nanoTime), until training is going again; 0 otherwise. */
    private long lostAtNanos;
    /** The data addresses the current placement's workers sent with Ready, by worker id. */
    private final SortedMap<String, String> dataAddresses = new TreeMap<>();
    /** Whether the next RunStep is the placement's first, which carries the data addresses to every worker. */
    private boolean announceAddresses;
    /** The checkpoint a resumed run starts from (read by {@link #begin}), or null. */
    private Checkpoint resumeFrom;
    /** How many registered workers the pending run waits for ({@link Replan#workersToStart}). */
    private final int startWith;

    Running(ActorContext<Command> context, TimerScheduler<Command> timers, int startWith) {
      this.context = context;
      this.timers = timers;
      this.startWith = startWith;
    }

    /**
     * Opens the run's checkpoints and, for a resumed run, reads the newest complete one before waiting for workers: a
     * resumed run already at train.steps ends at once (a standby whose primary finished the run takes the singleton
     * over when the primary leaves, and must not wait for workers that are gone).
     */
    Behavior<Command> begin(RunSpec run) {
      if (run == null) return tracking(Map.of(), null);
      checkpoints = new ShardedCheckpoints(run.directory().checkpoints(), run.config());
      resumeFrom = run.resume() ? checkpoints.latest().orElse(null) : null;
      if (run.resume() && resumeFrom == null) {
        context.getLog().warn("no complete checkpoint to resume: starting at step 0");
      }
      if (resumeFrom == null || resumeFrom.step() < run.config().train().steps()) return tracking(Map.of(), run);
      context.getLog().info("run {} already reached train.steps = {}: nothing to do", run.runId(),
          run.config().train().steps());
      timers.cancel("join");
      run.listener().onFinished();
      return over(run.runId(), Map.of());
    }

    /** A resumed run found complete: workers that register are told to stop, as at the end of the run. */
    private Behavior<Command> over(String runId, Map<String, ActorRef<WorkerProtocol.Command>> workers) {
      return unplaced(workers)
          .onMessage(WorkersChanged.class, changed -> {
            Map<String, ActorRef<WorkerProtocol.Command>> now = workersChanged(workers, changed);
            now.forEach((id, w) -> {
              if (!workers.containsKey(id)) w.tell(new WorkerProtocol.Stop(runId));
            });
            return over(runId, now);
          })
          .onMessage(JoinTimeout.class, timeout -> Behaviors.same())
          .build();
    }

    /** No run in progress: track workers; start {@code pending} once enough have registered. */
    Behavior<Command> tracking(Map<String, ActorRef<WorkerProtocol.Command>> workers, RunSpec pending) {
      if (pending != null && available(workers).size() >= startWith) {
        return start(workers, pending);
      }
      return unplaced(workers)
          .onMessage(WorkersChanged.class, changed -> tracking(workersChanged(workers, changed), pending))
          .onMessage(JoinTimeout.class, timeout -> {
            if (pending == null) return Behaviors.same();
            String reason = "only " + workers.size() + " of " + pending.config().parallel().workers()
                + " workers registered within " + pending.config().cluster().joinTimeoutSeconds() + " s";
            context.getLog().error("run {} not started: {}", pending.runId(), reason);
            pending.listener().onFailed(reason);
            return tracking(workers, null);
          })
          .build();
    }

    /** Sent Assign to every worker of the placement; waiting for each one's Ready. */
    Behavior<Command> assigning(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
      return running(live, state)
          .onMessage(Ready.class, ready -> {
            if (!state.expects(ready.runId(), ready.epoch(), state.step(), RunState.Phase.ASSIGNING)) return stray(ready);
            RunState next = state.answeredBy(ready.workerId());
            dataAddresses.put(ready.workerId(), ready.dataAddress());
            if (!next.everyoneAnswered()) return assigning(live, next);
            return restoreFrom == null ? startStep(live, next, next.step()) : restore(live, next);
          })
          .build();
    }

    /** Sent Restore to every worker; waiting for each one's Restored. */
    Behavior<Command> restoring(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
      return running(live, state)
          .onMessage(Restored.class, restored -> {
            if (!state.expects(restored.runId(), restored.epoch(), state.step(), RunState.Phase.RESTORING)) {
              return stray(restored);
            }
            RunState next = state.answeredBy(restored.workerId());
            return next.everyoneAnswered() ? startStep(live, next, next.step()) : restoring(live, next);
          })
          .build();
    }

    /** A worker was lost: waiting up to cluster.replacement-wait-seconds for enough workers to rejoin. */
    Behavior<Command> awaitingWorkers(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState lost,
        Checkpoint from) {
      int wanted = configured.config().parallel().workers();
      int wait = configured.config().cluster().replacementWaitSeconds();
      if (available(live).size() >= wanted || wait == 0) return replan(live, lost, from);
      if (!timers.isTimerActive("replacement")) {
        context.getLog().info("waiting up to {} s for {} more worker(s)", wait, wanted - available(live).size());
        timers.startSingleTimer("replacement", new ReplacementTimeout(lost.placement().epoch()),
            Duration.ofSeconds(wait));
      }
      return unplaced(live)
          .onMessage(WorkersChanged.class, changed -> awaitingWorkers(workersChanged(live, changed), lost, from))
          .onMessage(ReplacementTimeout.class, timeout -> replan(live, lost, from))
          .build();
    }

    /** Sent RunStep; collecting every worker's Gradients. */
    Behavior<Command> stepping(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
      return running(live, state)
          .onMessage(Gradients.class, g -> {
            if (!state.expects(g.runId(), g.epoch(), g.step(), RunState.Phase.GRADIENTS)) return stray(g);
            RunState next = state.withReport(g);
            return next.everyoneAnswered() ? applyUpdates(live, next) : stepping(live, next);
          })
          .build();
    }

    /** Sent ApplyUpdate; collecting every worker's Updated. */
    Behavior<Command> updating(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
      return running(live, state)
          .onMessage(Updated.class, u -> {
            if (!state.expects(u.runId(), u.epoch(), u.step(), RunState.Phase.UPDATES)) return stray(u);
            RunState next = state.answeredBy(u.workerId());
            return next.everyoneAnswered() ? finishStep(live, next) : updating(live, next);
          })
          .build();
    }

    /** A new run (or a resumed one, from its newest complete checkpoint) on the workers registered now. */
    private Behavior<Command> start(Map<String, ActorRef<WorkerProtocol.Command>> workers, RunSpec run) {
      timers.cancel("join");
      configured = run;
      stragglers = Stragglers.none(run.config().cluster().stragglerLimit());
      Checkpoint from = resumeFrom;
      int available = available(workers).size();
      ParallelConfig layout = Replan.fit(run.config(), available).orElseThrow();
      if (layout.equals(run.config().parallel())) return assign(workers, run, 1, from);
      context.getLog().warn("taking over run {} on the {} worker(s) left (pp={} dp={} ep={})", run.runId(), available,
          layout.pp(), layout.dp(), layout.ep());
      return assign(workers, run.withParallel(layout), 1, from);
    }

    /** Places the run on the available workers at {@code epoch}; they restore {@code from} first when not null. */
    private Behavior<Command> assign(Map<String, ActorRef<WorkerProtocol.Command>> workers, RunSpec run, long epoch,
        Checkpoint from) {
      CohortConfig config = run.config();
      List<String> ids = available(workers).stream().sorted().limit(config.parallel().workers()).toList();
      Placement placement = PlacementPlanner.plan(config.model(), config.parallel(),
          ids.stream().map(WorkerId::new).toList(), epoch);
      context.getLog().info("placement epoch {} of run {}:\n{}", epoch, run.runId(), placement.describe());
      run.listener().onPlacement(placement);
      dataAddresses.clear();
      announceAddresses = true;
      Map<String, ActorRef<WorkerProtocol.Command>> assigned = new TreeMap<>();
      ids.forEach(id -> assigned.put(id, workers.get(id)));
      List<ActorRef<WorkerProtocol.Command>> refs = ids.stream().map(workers::get).toList();
      for (String id : ids) {
        workers.get(id).tell(new WorkerProtocol.Assign(run.runId(), placement.epoch(), run.configHocon(), ids, refs,
            context.getSelf().narrow()));
      }
      long firstStep = from == null ? 0 : from.step();
      if (metrics != null) metrics.close();
      metrics = new MetricsLog(run.directory().metrics(), firstStep); // drops lines of steps to be done again
      restoreFrom = from;
      placementFirstStep = firstStep;
      RunState state = RunState.assigning(run, placement, assigned, firstStep);
      armTimer(state);
      return assigning(workers, state);
    }

    private Behavior<Command> restore(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
      RunState next = state.inPhase(RunState.Phase.RESTORING);
      context.getLog().info("every worker loads checkpoint {}", ShardedCheckpoints.describe(restoreFrom));
      List<String> files = restoreFrom.files().stream().map(ManifestFile::name).toList();
      long optimizerSteps = TrainingState.of(restoreFrom).optimizerSteps();
      next.workers().values().forEach(w -> w.tell(new WorkerProtocol.Restore(next.run().runId(),
          next.placement().epoch(), restoreFrom.dir().toString(), files, optimizerSteps)));
      armTimer(next);
      return restoring(live, next);
    }

    /** After a loss: the largest layout the available workers allow, restored from the last checkpoint. */
    private Behavior<Command> replan(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState lost,
        Checkpoint from) {
      timers.cancel("replacement");
      Optional<ParallelConfig> layout = Replan.fit(configured.config(), available(live).size());
      if (layout.isEmpty()) return fail(live, lost, "no worker left to continue on");
      RunSpec run = layout.get().equals(configured.config().parallel()) ? configured
          : configured.withParallel(layout.get());
      context.getLog().warn("continuing run {} on {} worker(s) (pp={} dp={} ep={}) from {}", run.runId(),
          layout.get().workers(), layout.get().pp(), layout.get().dp(), layout.get().ep(),
          from == null ? "step 0 (no checkpoint yet)" : ShardedCheckpoints.describe(from));
      return assign(live, run, lost.placement().epoch() + 1, from);
    }

    private Behavior<Command> recover(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state,
        Set<String> lost, String reason) {
      context.getLog().warn("lost worker(s) {} ({}) during step {} ({}): recovering", lost, reason, state.step(),
          state.phase());
      lost.forEach(id -> state.run().listener().onWorkerLost(id, reason));
      timers.cancel("phase");
      timers.cancel("straggler");
      if (lostAtNanos == 0) lostAtNanos = System.nanoTime();
      downed.addAll(lost);
      checkpoints.abortPending();
      return awaitingWorkers(live, state, checkpoints.latest().orElse(null));
    }

    private Behavior<Command> startStep(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state,
        long step) {
      if (lostAtNanos != 0) {
        context.getLog().info("training again at step {}, {} ms after the worker loss was noticed", step,
            (System.nanoTime() - lostAtNanos) / 1_000_000);
        lostAtNanos = 0;
      }
      RunState next = state.startStep(step, System.nanoTime());
      List<String> addresses = announceAddresses ? List.copyOf(dataAddresses.values()) : List.of();
      announceAddresses = false;
      next.workers().values().forEach(w -> w.tell(
          new WorkerProtocol.RunStep(next.run().runId(), next.placement().epoch(), step, addresses)));
      armTimer(next);
      return stepping(live, next);
    }

    private Behavior<Command> applyUpdates(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
      TrainConfig train = state.run().config().train();
      StepSummary summary = StepSummary.of(state.reports().stream().map(Gradients::report).toList(),
          train.gradAccumSteps(), state.run().config().model().moeLayerCount());
      RunState next = state.startUpdates(summary);
      if (!Double.isFinite(summary.gradNorm())) {
        // As the single-worker step does: a non-finite gradient leaves weights and optimizer state untouched.
        context.getLog().warn("step {}: gradient norm is {}; update skipped", state.step(), summary.gradNorm());
        return finishStep(live, next);
      }
      double scale = GradClipping.scale(train, summary.gradNorm());
      double lr = LrSchedule.of(train).at(state.step());
      next.workers().values().forEach(w -> w.tell(new WorkerProtocol.ApplyUpdate(next.run().runId(),
          next.placement().epoch(), next.step(), lr, scale)));
      armTimer(next);
      return updating(live, next);
    }

    private Behavior<Command> finishStep(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
      RunSpec run = state.run();
      TrainConfig train = run.config().train();
      double stepMs = (System.nanoTime() - state.stepStartNanos()) / 1e6;
      StepSummary summary = state.summary();
      ObjectNode line = StepLine.of(state.step(), summary, LrSchedule.of(train).at(state.step()),
          !Double.isFinite(summary.gradNorm()), stepMs, summary.tokens() * 1000.0 / stepMs, state.reports());
      ObjectiveFigures.put(line, ObjectiveFigures.of(run.config().recipe().objective()), summary.objectiveFigures(),
          train.gradAccumSteps());
      metrics.write(line);
      run.listener().onStep(line, train.steps());
      stragglers = stragglers.stepFinished();
      long done = state.step() + 1;
      boolean checkpoint = checkpoints.due(done);
      if (checkpoint) {
        Optional<ShardedCheckpoints.Failure> failure = saveShards(state, done);
        if (failure.isPresent() && failure.get().fatal()) return fail(live, state, failure.get().reason());
      }
      if (done >= train.steps() || (checkpoint && canGrow(live, state))) return drain(live, state);
      return startStep(live, state, done);
    }

    /**
     * Every worker snapshots its tensors before its next step and writes them in the background. The failure when
     * the checkpoint's staging directory cannot be made (then nothing is asked of the workers).
     */
    private Optional<ShardedCheckpoints.Failure> saveShards(RunState state, long done) {
      String dir;
      try {
        dir = checkpoints.begin(done, state.placement(), state.workers().keySet()).toString();
      } catch (java.io.UncheckedIOException e) {
        return Optional.of(checkpoints.failed(done, "its staging directory cannot be made: " + e.getCause()));
      }
      state.workers().values().forEach(w -> w.tell(new WorkerProtocol.SaveShard(state.run().runId(),
          state.placement().epoch(), done, dir)));
      return Optional.empty();
    }

    /** Whether workers beyond the current placement's are available, and the configured layout can use them. */
    private boolean canGrow(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
      return Replan.fit(configured.config(), available(live).size())
          .filter(layout -> layout.workers() > state.workers().size()).isPresent();
    }

    /** Waits for pending checkpoints to commit, then ends the run or takes the new workers in. */
    private Behavior<Command> drain(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
      if (checkpoints.idle()) return drained(live, state);
      RunState next = state.inPhase(RunState.Phase.DRAINING);
      armTimer(next);
      return running(live, next).build();
    }

    private Behavior<Command> drained(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
      timers.cancel("phase");
      if (state.step() + 1 >= state.run().config().train().steps()) {
        stopWorkers(state, live);
        state.run().listener().onFinished();
        return tracking(live, null);
      }
      context.getLog().info("taking in new workers at checkpoint step {}", state.step() + 1);
      return replan(live, state, checkpoints.latest().orElse(null));
    }

    /** Messages every state of a run handles: checkpoint shards, lost workers, failures, timeouts. */
    private org.apache.pekko.actor.typed.javadsl.BehaviorBuilder<Command> running(
        Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
      return common(live)
          .onMessage(WorkersChanged.class, changed -> {
            Map<String, ActorRef<WorkerProtocol.Command>> now = workersChanged(live, changed);
            // The receptionist hides an unreachable node's worker at once; that one gets its grace (StillUnreachable).
            Set<String> unreachable = Cluster.get(context.getSystem()).state().getUnreachable().stream()
                .map(m -> m.address().toString()).collect(Collectors.toSet());
            Set<String> lost = state.workers().keySet().stream()
                .filter(id -> !now.containsKey(id) && !unreachable.contains(id)).collect(Collectors.toSet());
            if (!lost.isEmpty()) return recover(now, state, lost, ClusterMetrics.UNREACHABLE);
            return state.phase() == RunState.Phase.DRAINING ? running(now, state).build() : sameState(now, state);
          })
          .onMessage(ReachabilityChanged.class, changed -> {
            logReachability(changed);
            return Behaviors.same();
          })
          .onMessage(StillUnreachable.class, still -> {
            String address = still.address().toString();
            if (!state.workers().containsKey(address)) return Behaviors.same();
            // Down it rather than wait for the split-brain resolver: it cannot rejoin under this identity.
            Cluster.get(context.getSystem()).manager().tell(new Down(still.address()));
            return recover(live, state, Set.of(address), ClusterMetrics.UNREACHABLE);
          })
          .onMessage(ShardSaved.class, shard -> {
            if (!state.run().runId().equals(shard.runId())) return stray(shard);
            try {
              checkpoints.onShard(shard);
            } catch (java.io.UncheckedIOException e) {
              ShardedCheckpoints.Failure failure =
                  checkpoints.failed(shard.step(), e.getMessage() + ": " + e.getCause());
              if (failure.fatal()) return fail(live, state, failure.reason());
            } catch (RuntimeException e) {
              return fail(live, state, "checkpoint of step " + shard.step() + " cannot be committed: " + e);
            }
            boolean drained = state.phase() == RunState.Phase.DRAINING && checkpoints.idle();
            return drained ? drained(live, state) : Behaviors.same();
          })
          .onMessage(ShardFailed.class, failed -> {
            if (!state.run().runId().equals(failed.runId())) return stray(failed);
            Optional<ShardedCheckpoints.Failure> failure = checkpoints.onShardFailed(failed);
            if (failure.isPresent() && failure.get().fatal()) return fail(live, state, failure.get().reason());
            boolean drained = state.phase() == RunState.Phase.DRAINING && checkpoints.idle();
            return drained ? drained(live, state) : Behaviors.same();
          })
          .onMessage(Failed.class, f -> state.run().runId().equals(f.runId()) && f.epoch() == state.placement().epoch()
              ? fail(live, state, "worker " + f.workerId() + " failed: " + f.error()) : stray(f))
          .onMessage(StragglerDeadline.class, d -> d.step() == state.step() && d.phase() == state.phase()
              ? probeLate(state) : Behaviors.same())
          .onMessage(Progress.class, p -> {
            boolean current = state.run().runId().equals(p.runId()) && p.epoch() == state.placement().epoch()
                && p.step() == state.step();
            if (current && p.waitingOnPeer()) waitingOnPeer.add(p.workerId());
            return Behaviors.same();
          })
          .onMessage(StragglerVerdict.class, v -> v.step() == state.step() && v.phase() == state.phase()
              ? stragglersFound(live, state) : Behaviors.same())
          .onMessage(PhaseTimeout.class, t -> t.step() == state.step() && t.phase() == state.phase()
              ? fail(live, state, "step " + t.step() + " (" + t.phase() + "): no answer within "
                  + state.run().config().cluster().stepTimeoutSeconds() + " s from "
                  + state.workers().keySet().stream().filter(id -> !state.answered().contains(id)).toList())
              : Behaviors.same());
    }

    /**
     * The phase's straggler deadline passed: ask the late workers whether they wait on a peer. In a data-parallel
     * all-reduce or a pipeline every worker waits for the slow one, so lateness alone does not say who is slow.
     */
    private Behavior<Command> probeLate(RunState state) {
      waitingOnPeer.clear();
      late(state).forEach(id -> state.workers().get(id).tell(
          new WorkerProtocol.Probe(state.run().runId(), state.placement().epoch(), state.step())));
      timers.startSingleTimer("straggler", new StragglerVerdict(state.step(), state.phase()), PROBE_ANSWER);
      return Behaviors.same();
    }

    /**
     * The late workers that did not say they wait on a peer missed the deadline: logged and counted; those over the
     * limit are lost. Otherwise the deadline is armed again, so a hung worker keeps missing until the limit.
     */
    private Behavior<Command> stragglersFound(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
      Set<String> slow = late(state);
      slow.removeAll(waitingOnPeer);
      stragglers = stragglers.missed(slow);
      for (String id : slow) {
        context.getLog().warn("straggler: {} missed the {} s deadline of step {} ({}), {} of {} allowed", id,
            state.run().config().cluster().stragglerSeconds(), state.step(), state.phase(), stragglers.missesOf(id),
            stragglers.limit());
        state.run().listener().onStraggler(id, state.step(), stragglers.missesOf(id));
      }
      Set<String> lost = stragglers.overLimit();
      lost.retainAll(slow);
      if (lost.isEmpty()) {
        armStragglerDeadline(state);
        return sameState(live, state);
      }
      lost.forEach(id -> Cluster.get(context.getSystem()).manager().tell(new Down(state.workers().get(id).path()
          .address())));
      return recover(live, state, lost, ClusterMetrics.STRAGGLER);
    }

    /** The placement's workers that have not answered the current phase. */
    private static Set<String> late(RunState state) {
      return state.workers().keySet().stream().filter(id -> !state.answered().contains(id))
          .collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    /** The behaviour of {@code state}'s phase, with the worker map updated. */
    private Behavior<Command> sameState(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
      return switch (state.phase()) {
        case ASSIGNING -> assigning(live, state);
        case RESTORING -> restoring(live, state);
        case GRADIENTS -> stepping(live, state);
        case UPDATES -> updating(live, state);
        case DRAINING -> running(live, state).build();
      };
    }

    /**
     * Logs a reachability change and times the unreachable: a loaded machine (a JVM starting up, a long GC) makes a
     * healthy node miss heartbeats for a second or two, so only one unreachable for the whole grace is lost.
     */
    private Behavior<Command> logReachability(ReachabilityChanged changed) {
      boolean reachable = changed.event() instanceof ClusterEvent.ReachableMember;
      org.apache.pekko.actor.Address address = changed.event().member().address();
      context.getLog().info("cluster member {} is {}", address, reachable ? "reachable again" : "unreachable");
      String timer = "unreachable " + address;
      if (reachable) {
        timers.cancel(timer);
      } else {
        timers.startSingleTimer(timer, new StillUnreachable(address),
            Duration.ofSeconds(unreachableGraceSeconds()));
      }
      return Behaviors.same();
    }

    private int unreachableGraceSeconds() {
      return configured == null ? 0 : configured.config().cluster().unreachableGraceSeconds();
    }

    private org.apache.pekko.actor.typed.javadsl.BehaviorBuilder<Command> common(
        Map<String, ActorRef<WorkerProtocol.Command>> workers) {
      return Behaviors.receive(Command.class)
          .onMessage(ListWorkers.class, list -> {
            list.replyTo().tell(new WorkerList(List.copyOf(workers.keySet())));
            return Behaviors.same();
          })
          .onMessage(Pong.class, pong -> {
            context.getLog().info("pong {} from worker {}", pong.id(), pong.workerId());
            return Behaviors.same();
          })
          .onMessage(MemberChanged.class, changed -> {
            context.getLog().info("cluster member {} {} is {}", changed.event().member().address(),
                changed.event().member().getRoles(), changed.event().member().status());
            return Behaviors.same();
          });
    }

    /** {@link #common} plus what a state without a placement ignores (no run, or between placements). */
    private org.apache.pekko.actor.typed.javadsl.BehaviorBuilder<Command> unplaced(
        Map<String, ActorRef<WorkerProtocol.Command>> workers) {
      return common(workers)
          .onMessage(ReachabilityChanged.class, this::logReachability)
          .onMessage(StillUnreachable.class, still -> Behaviors.same())
          .onMessage(StragglerDeadline.class, late -> Behaviors.same())
          .onMessage(StragglerVerdict.class, late -> Behaviors.same())
          .onMessage(Progress.class, progress -> Behaviors.same())
          .onMessage(ShardSaved.class, this::stray)
          .onMessage(ShardFailed.class, this::stray)
          .onMessage(Restored.class, this::stray);
    }

    private Behavior<Command> fail(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state,
        String reason) {
      context.getLog().error("run {} failed: {}", state.run().runId(), reason);
      stopWorkers(state, live);
      state.run().listener().onFailed(reason);
      return tracking(live, null);
    }

    /** Stops the placement's workers and any spare one (a worker left out after a loss, or one that came late). */
    private void stopWorkers(RunState state, Map<String, ActorRef<WorkerProtocol.Command>> live) {
      timers.cancelAll();
      Set<ActorRef<WorkerProtocol.Command>> all = new HashSet<>(state.workers().values());
      all.addAll(live.values());
      all.forEach(w -> w.tell(new WorkerProtocol.Stop(state.run().runId())));
      if (metrics != null) metrics.close();
      metrics = null;
      if (checkpoints != null) checkpoints.close();
      checkpoints = null;
    }

    /** Registered workers that were not downed. */
    private List<String> available(Map<String, ActorRef<WorkerProtocol.Command>> workers) {
      downed.retainAll(workers.keySet()); // once the receptionist forgets a downed worker, so can we
      return workers.keySet().stream().filter(id -> !downed.contains(id)).toList();
    }

    private void armTimer(RunState state) {
      armStragglerDeadline(state);
      timers.startSingleTimer("phase", new PhaseTimeout(state.step(), state.phase()),
          Duration.ofSeconds(state.run().config().cluster().stepTimeoutSeconds()));
    }

    /** The straggler deadline of a step's phase (not of the placement's first step, which warms up). */
    private void armStragglerDeadline(RunState state) {
      int straggler = state.run().config().cluster().stragglerSeconds();
      boolean stepPhase = state.phase() == RunState.Phase.GRADIENTS || state.phase() == RunState.Phase.UPDATES;
      if (straggler > 0 && stepPhase && state.step() > placementFirstStep) {
        timers.startSingleTimer("straggler", new StragglerDeadline(state.step(), state.phase()),
            Duration.ofSeconds(straggler));
      }
    }

    private <T> Behavior<Command> stray(T message) {
      context.getLog().warn("dropped {}: not for the current run, epoch, step or phase", message);
      return Behaviors.same();
    }

    private Map<String, ActorRef<WorkerProtocol.Command>> workersChanged(
        Map<String, ActorRef<WorkerProtocol.Command>> before, WorkersChanged changed) {
      Set<ActorRef<WorkerProtocol.Command>> live = changed.listing().getServiceInstances(WorkerProtocol.SERVICE_KEY);
      Map<String, ActorRef<WorkerProtocol.Command>> after = live.stream()
          .collect(Collectors.toMap(WorkerProtocol::workerId, Function.identity(), (a, b) -> a, TreeMap::new));
      if (!after.keySet().equals(before.keySet())) {
        context.getLog().info("live workers: {} (were {})", after.keySet(), before.keySet());
      }
      return after;
    }
  }
}
