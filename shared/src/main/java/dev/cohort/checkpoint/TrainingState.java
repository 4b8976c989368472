package dev.cohort.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a checkpoint's manifest records of training besides its tensors, written alike by the single worker and the
 * coordinator of a distributed run, so either resumes the other's checkpoints. The data position needs no field of
 * its own: the samples of step s are a pure function of (seed, s); samples_consumed is there for readers.
 *
 * @param step optimizer steps done (the step the run resumes at)
 * @param optimizerSteps AdamW updates applied, which drive its bias correction (fewer than step when updates were
 *     skipped)
 * @param seed the run's seed
 * @param samplesConsumed training samples read so far
 */
public record TrainingState(long step, long optimizerSteps, long seed, long samplesConsumed) {
  /** The model tensors of a single worker's checkpoint. */
  public static final String MODEL_FILE = "model.safetensors";
  /** The AdamW moments of a single worker's checkpoint (exp_avg.NAME, exp_avg_sq.NAME). */
  public static final String OPTIMIZER_FILE = "optimizer.safetensors";

  private static final String STEP = "step";
  private static final String OPTIMIZER_STEPS = "optimizer_steps";
  private static final String SEED = "seed";
  private static final String SAMPLES_CONSUMED = "samples_consumed";

  /** The manifest state's fields, to which a distributed run adds its placement. */
  public ObjectNode toJson() {
    ObjectNode json = JsonNodeFactory.instance.objectNode();
    json.put(STEP, step);
    json.put(OPTIMIZER_STEPS, optimizerSteps);
    json.put(SEED, seed);
    json.put(SAMPLES_CONSUMED, samplesConsumed);
    return json;
  }

  public static TrainingState of(Checkpoint checkpoint) {
    JsonNode json = checkpoint.state();
    return new TrainingState(json.path(STEP).asLong(), json.path(OPTIMIZER_STEPS).asLong(), json.path(SEED).asLong(),
        json.path(SAMPLES_CONSUMED).asLong());
  }
}
