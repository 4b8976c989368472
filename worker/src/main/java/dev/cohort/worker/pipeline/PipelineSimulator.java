package dev.cohort.worker.pipeline;

import dev.cohort.worker.pipeline.PipelineSchedule.Action;
import dev.cohort.worker.pipeline.PipelineSchedule.Action.Kind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Runs per-stage action lists on an idealised pipeline to measure a schedule: each stage does one action at a
 * time in its list's order, as early as its dependencies allow. F(s, m) needs F(s - 1, m); B(s, m) needs
 * B(s + 1, m) and F(s, m). Communication is free, so what remains is the schedule's own bubble.
 */
public final class PipelineSimulator {
  private PipelineSimulator() {}

  /**
   * @param makespan time from the first action's start to the last one's end
   * @param bubbleFraction idle share of the makespan, averaged over stages
   * @param peakActivations per stage, the most micro-batches run forward and not yet backward at any time
   */
  public record Result(double makespan, double bubbleFraction, List<Integer> peakActivations) {}

  /** Thrown when no stage can start its next action although some have actions left. */
  public static final class Deadlock extends IllegalStateException {
    Deadlock(String message) {
      super(message);
    }
  }

  /**
   * @param stages the actions of each stage, first stage first
   * @throws Deadlock when the lists can never all complete
   */
  public static Result simulate(List<List<Action>> stages, double forwardCost, double backwardCost) {
    requireCost("forward", forwardCost);
    requireCost("backward", backwardCost);
    for (int s = 0; s < stages.size(); s++) requireDistinct(s, stages.get(s));
    Map<Task, Double> finished = new HashMap<>();
    int[] next = new int[stages.size()];
    double[] free = new double[stages.size()];
    boolean progressed = true;
    while (progressed) {
      progressed = false;
      for (int s = 0; s < stages.size(); s++) {
        while (next[s] < stages.get(s).size()) {
          Action action = stages.get(s).get(next[s]);
          Optional<Double> ready = readyAt(new Task(s, action), stages.size(), finished);
          if (ready.isEmpty()) break;
          double cost = action.kind() == Kind.FORWARD ? forwardCost : backwardCost;
          free[s] = Math.max(free[s], ready.get()) + cost;
          finished.put(new Task(s, action), free[s]);
          next[s]++;
          progressed = true;
        }
      }
    }
    requireAllDone(stages, next, finished);
    return result(stages, Arrays.stream(free).max().orElse(0), forwardCost, backwardCost);
  }

  /** The peak number of micro-batches a stage holds activations for: forwards done minus backwards done. */
  public static int peakActivations(List<Action> actions) {
    int alive = 0;
    int peak = 0;
    for (Action action : actions) {
      alive += action.kind() == Kind.FORWARD ? 1 : -1;
      peak = Math.max(peak, alive);
    }
    return peak;
  }

  private record Task(int stage, Action action) {
    @Override
    public String toString() {
      return action + " on stage " + stage;
    }
  }

  /** The tasks {@code task} waits for, some of which may not exist (stage -1 or stage past the last). */
  private static List<Task> dependencies(Task task, int stageCount) {
    int m = task.action().microBatch();
    List<Task> needs = new ArrayList<>(2);
    if (task.action().kind() == Kind.FORWARD) {
      if (task.stage() > 0) needs.add(new Task(task.stage() - 1, Action.forward(m)));
    } else {
      if (task.stage() < stageCount - 1) needs.add(new Task(task.stage() + 1, Action.backward(m)));
      needs.add(new Task(task.stage(), Action.forward(m)));
    }
    return needs;
  }

  /** When all of the task's dependencies have finished, or empty while some have not. */
  private static Optional<Double> readyAt(Task task, int stageCount, Map<Task, Double> finished) {
    double ready = 0;
    for (Task need : dependencies(task, stageCount)) {
      Double end = finished.get(need);
      if (end == null) return Optional.empty();
      ready = Math.max(ready, end);
    }
    return Optional.of(ready);
  }

  private static void requireAllDone(List<List<Action>> stages, int[] next, Map<Task, Double> finished) {
    List<String> stuck = new ArrayList<>();
    for (int s = 0; s < stages.size(); s++) {
      if (next[s] == stages.get(s).size()) continue;
      Task task = new Task(s, stages.get(s).get(next[s]));
      List<Task> missing = dependencies(task, stages.size()).stream().filter(t -> !finished.containsKey(t)).toList();
      stuck.add(task + " waits for " + missing);
    }
    if (!stuck.isEmpty()) throw new Deadlock("pipeline schedule deadlocks: " + String.join("; ", stuck));
  }

  private static Result result(List<List<Action>> stages, double makespan, double forwardCost, double backwardCost) {
    double idle = 0;
    List<Integer> peaks = new ArrayList<>(stages.size());
    for (List<Action> actions : stages) {
      double busy = actions.stream().mapToDouble(a -> a.kind() == Kind.FORWARD ? forwardCost : backwardCost).sum();
      idle += makespan == 0 ? 0 : 1 - busy / makespan;
      peaks.add(peakActivations(actions));
    }
    return new Result(makespan, stages.isEmpty() ? 0 : idle / stages.size(), List.copyOf(peaks));
  }

  private static void requireCost(String what, double cost) {
    if (!(cost > 0) || Double.isInfinite(cost)) {
      throw new IllegalArgumentException(what + " cost must be positive and finite, got " + cost);
    }
  }

  private static void requireDistinct(int stage, List<Action> actions) {
    Set<Action> seen = new HashSet<>();
    for (Action action : actions) {
      if (!seen.add(action)) throw new IllegalArgumentException("stage " + stage + " runs " + action + " twice");
    }
  }
}
