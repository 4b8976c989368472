package dev.cohort.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.cluster.NodeRole;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.TrainConfig;
import dev.cohort.placement.Placement;
import dev.cohort.placement.PlacementPlanner;
import dev.cohort.placement.WorkerId;
import dev.cohort.protocol.CoordinatorProtocol.Command;
import dev.cohort.protocol.CoordinatorProtocol.Failed;
import dev.cohort.protocol.CoordinatorProtocol.Gradients;
import dev.cohort.protocol.CoordinatorProtocol.Internal;
import dev.cohort.protocol.CoordinatorProtocol.ListWorkers;
import dev.cohort.protocol.CoordinatorProtocol.Pong;
import dev.cohort.protocol.CoordinatorProtocol.Ready;
import dev.cohort.protocol.CoordinatorProtocol.Updated;
import dev.cohort.protocol.CoordinatorProtocol.WorkerList;
import dev.cohort.protocol.StepSummary;
import dev.cohort.protocol.WorkerProtocol;
import dev.cohort.worker.train.GradClipping;
import dev.cohort.worker.train.LrSchedule;
import dev.cohort.worker.train.MetricsLog;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * The run's single coordinator, a Cluster Singleton on the coordinator-role node. It tracks the registered,
 * reachable workers; given a run, it waits for pp x dp of them, plans the placement, assigns every worker its part,
 * then drives each step in two phases: every worker's forward/backward (answered with Gradients, from which it
 * computes the global gradient norm and the clipping scale), then every worker's update. It writes metrics.jsonl.
 * A worker that fails, leaves, or stays silent past the step timeout ends the run with a message naming it.
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
      return new Running(context, timers).tracking(Map.of(), run);
    }));
  }

  /** The behaviours, one per state, sharing the actor's context and timers. */
  private static final class Running {
    private final ActorContext<Command> context;
    private final TimerScheduler<Command> timers;
    private MetricsLog metrics;

    Running(ActorContext<Command> context, TimerScheduler<Command> timers) {
      this.context = context;
      this.timers = timers;
    }

    /** No run in progress: track workers; start {@code pending} once enough have registered. */
    Behavior<Command> tracking(Map<String, ActorRef<WorkerProtocol.Command>> workers, RunSpec pending) {
      if (pending != null && workers.size() >= pending.config().parallel().workers()) return assign(workers, pending);
      return common(workers)
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

    /**
     * Sent Assign to every worker of the placement; waiting for each one's Ready.
     *
     * @param dataAddresses the data addresses of the workers that are ready, by worker id
     */
    Behavior<Command> assigning(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state,
        SortedMap<String, String> dataAddresses) {
      return running(live, state)
          .onMessage(Ready.class, ready -> {
            if (!state.expects(ready.runId(), ready.epoch(), state.step(), RunState.Phase.ASSIGNING)) return stray(ready);
            RunState next = state.answeredBy(ready.workerId());
            SortedMap<String, String> addresses = new TreeMap<>(dataAddresses);
            addresses.put(ready.workerId(), ready.dataAddress());
            return next.everyoneAnswered()
                ? startStep(live, next, next.step(), List.copyOf(addresses.values()))
                : assigning(live, next, addresses);
          })
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

    private Behavior<Command> assign(Map<String, ActorRef<WorkerProtocol.Command>> workers, RunSpec run) {
      timers.cancel("join");
      CohortConfig config = run.config();
      List<String> ids = workers.keySet().stream().sorted().limit(config.parallel().workers()).toList();
      Placement placement = PlacementPlanner.plan(config.model(), config.parallel(),
          ids.stream().map(WorkerId::new).toList(), 1);
      context.getLog().info("placement of run {}:\n{}", run.runId(), placement.describe());
      run.listener().onPlacement(placement);
      Map<String, ActorRef<WorkerProtocol.Command>> assigned = new TreeMap<>();
      ids.forEach(id -> assigned.put(id, workers.get(id)));
      List<ActorRef<WorkerProtocol.Command>> refs = ids.stream().map(workers::get).toList();
      for (String id : ids) {
        workers.get(id).tell(new WorkerProtocol.Assign(run.runId(), placement.epoch(), run.configHocon(), ids, refs,
            context.getSelf().narrow()));
      }
      metrics = new MetricsLog(run.directory().metrics(), 0);
      RunState state = RunState.assigning(run, placement, assigned, 0);
      armTimer(state);
      return assigning(workers, state, new TreeMap<>());
    }

    /** @param dataAddresses every worker's data address by ascending id on an epoch's first step, else none */
    private Behavior<Command> startStep(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state,
        long step, List<String> dataAddresses) {
      RunState next = state.startStep(step, System.nanoTime());
      next.workers().values().forEach(w -> w.tell(
          new WorkerProtocol.RunStep(next.run().runId(), next.placement().epoch(), step, dataAddresses)));
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
      long tokens = (long) train.globalBatch() * run.config().data().seqLen();
      StepSummary summary = state.summary();
      ObjectNode line = StepLine.of(state.step(), summary, LrSchedule.of(train).at(state.step()),
          !Double.isFinite(summary.gradNorm()), stepMs, tokens * 1000.0 / stepMs, state.reports());
      metrics.write(line);
      run.listener().onStep(line, train.steps());
      if (state.step() + 1 < train.steps()) return startStep(live, state, state.step() + 1, List.of());
      stopWorkers(state);
      run.listener().onFinished();
      return tracking(live, null);
    }

    /** Messages every state handles, plus run failures. */
    private org.apache.pekko.actor.typed.javadsl.BehaviorBuilder<Command> running(
        Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state) {
      return common(live)
          .onMessage(WorkersChanged.class, changed -> {
            Map<String, ActorRef<WorkerProtocol.Command>> now = workersChanged(live, changed);
            Set<String> lost = state.workers().keySet().stream().filter(id -> !now.containsKey(id))
                .collect(Collectors.toSet());
            if (!lost.isEmpty()) return fail(now, state, "worker(s) " + lost + " left the cluster during step "
                + state.step() + " (" + state.phase() + ")");
            return Behaviors.same();
          })
          .onMessage(Failed.class, f -> state.run().runId().equals(f.runId())
              ? fail(live, state, "worker " + f.workerId() + " failed: " + f.error()) : stray(f))
          .onMessage(PhaseTimeout.class, t -> t.step() == state.step() && t.phase() == state.phase()
              ? fail(live, state, "step " + t.step() + " (" + t.phase() + "): no answer within "
                  + state.run().config().cluster().stepTimeoutSeconds() + " s from "
                  + state.workers().keySet().stream().filter(id -> !state.answered().contains(id)).toList())
              : Behaviors.same());
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
          })
          .onMessage(ReachabilityChanged.class, changed -> {
            boolean reachable = changed.event() instanceof ClusterEvent.ReachableMember;
            context.getLog().info("cluster member {} is {}", changed.event().member().address(),
                reachable ? "reachable again" : "unreachable");
            return Behaviors.same();
          });
    }

    private Behavior<Command> fail(Map<String, ActorRef<WorkerProtocol.Command>> live, RunState state,
        String reason) {
      context.getLog().error("run {} failed: {}", state.run().runId(), reason);
      stopWorkers(state);
      state.run().listener().onFailed(reason);
      return tracking(live, null);
    }

    private void stopWorkers(RunState state) {
      timers.cancelAll();
      state.workers().values().forEach(w -> w.tell(new WorkerProtocol.Stop(state.run().runId())));
      if (metrics != null) metrics.close();
      metrics = null;
    }

    private void armTimer(RunState state) {
      timers.startSingleTimer("phase", new PhaseTimeout(state.step(), state.phase()),
          Duration.ofSeconds(state.run().config().cluster().stepTimeoutSeconds()));
    }

    private Behavior<Command> stray(Object message) {
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
