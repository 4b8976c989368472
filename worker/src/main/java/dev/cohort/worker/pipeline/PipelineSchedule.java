package dev.cohort.worker.pipeline;

import java.util.ArrayList;
import java.util.List;

/**
 * The order in which one pipeline stage runs the forwards and backwards of a step's micro-batches. Every stage
 * runs each micro-batch once forward and once backward; schedules differ in how long activations stay alive.
 */
public final class PipelineSchedule {
  public static final String GPIPE = "gpipe";
  public static final String ONE_F_ONE_B = "1f1b";

  /** One unit of work on a stage. */
  public record Action(Kind kind, int microBatch) {
    public enum Kind { FORWARD, BACKWARD }

    public static Action forward(int microBatch) {
      return new Action(Kind.FORWARD, microBatch);
    }

    public static Action backward(int microBatch) {
      return new Action(Kind.BACKWARD, microBatch);
    }

    @Override
    public String toString() {
      return (kind == Kind.FORWARD ? "F" : "B") + microBatch;
    }
  }

  private PipelineSchedule() {}

  /**
   * The actions of stage {@code stage} (0 = first) of {@code stages}, for {@code microBatches} micro-batches.
   *
   * @param schedule {@value #GPIPE} or {@value #ONE_F_ONE_B}
   */
  public static List<Action> of(String schedule, int stage, int stages, int microBatches) {
    if (stages < 1 || stage < 0 || stage >= stages) {
      throw new IllegalArgumentException("pipeline stage " + stage + " of " + stages + " does not exist");
    }
    if (microBatches < 1) throw new IllegalArgumentException("micro-batches must be at least 1, got " + microBatches);
    return switch (schedule) {
      case GPIPE -> gpipe(microBatches);
      case ONE_F_ONE_B -> oneForwardOneBackward(stages - stage - 1, microBatches);
      default -> throw new IllegalArgumentException("unknown pipeline schedule '" + schedule + "': known are "
          + GPIPE + ", " + ONE_F_ONE_B);
    };
  }

  /** GPipe: every forward, then every backward in reverse; all m activations are alive at the turn. */
  private static List<Action> gpipe(int microBatches) {
    List<Action> actions = new ArrayList<>(2 * microBatches);
    for (int m = 0; m < microBatches; m++) actions.add(Action.forward(m));
    for (int m = microBatches - 1; m >= 0; m--) actions.add(Action.backward(m));
    return List.copyOf(actions);
  }

  /**
   * PipeDream-flush (Megatron's non-interleaved 1F1B): enough warm-up forwards to fill the stages after this one,
   * then one forward and one backward in turn, then the remaining backwards. A stage holds at most
   * {@code stagesAfter + 1} activations instead of m.
   */
  private static List<Action> oneForwardOneBackward(int stagesAfter, int microBatches) {
    int warmUp = Math.min(stagesAfter, microBatches);
    List<Action> actions = new ArrayList<>(2 * microBatches);
    for (int m = 0; m < warmUp; m++) actions.add(Action.forward(m));
    for (int m = warmUp; m < microBatches; m++) {
      actions.add(Action.forward(m));
      actions.add(Action.backward(m - warmUp));
    }
    for (int m = microBatches - warmUp; m < microBatches; m++) actions.add(Action.backward(m));
    return List.copyOf(actions);
  }
}
