package dev.cohort.config;

import java.util.List;

/**
 * The optimisation recipe. One optimizer step consumes globalBatch() = microBatchSize x gradAccumSteps sequences
 * whatever the placement: data-parallel replicas split those micro-batches between them.
 *
 * @param steps optimizer steps of the run
 * @param microBatchSize sequences per forward/backward
 * @param gradAccumSteps micro-batches per optimizer step (for a single worker)
 * @param lr peak learning rate
 * @param minLrRatio cosine decay ends at lr x minLrRatio
 * @param warmupSteps linear warm-up from 0 to lr
 * @param weightDecay AdamW's decoupled decay, applied to matrices only (not norms)
 * @param beta1 AdamW first-moment decay
 * @param beta2 AdamW second-moment decay
 * @param eps AdamW denominator epsilon
 * @param gradClip global-norm clipping threshold; <= 0 disables it
 * @param evalEvery run validation every this many steps (0: never)
 * @param evalBatches micro-batches of validation per evaluation
 * @param dtype the parameters' dtype, "float32" (training) or "float64" (gradient checks); under mixed precision the
 *     float32 master weights and AdamW moments
 * @param precision "fp32": every op in dtype; "fp16-mixed": matrix products forward and backward in float16 over
 *     float32 master weights, norms, softmaxes and losses in float32, with dynamic loss scaling (needs dtype float32);
 *     "bf16-mixed" is refused: the DJL PyTorch engine (0.35, 0.36) has no bfloat16 (docs/PRECISION.md)
 * @param lossScale dynamic loss scaling of fp16-mixed
 * @param device where this process's tensors live: "cpu", "gpu" (the GPU the launcher gives the process, e.g. through
 *     CUDA_VISIBLE_DEVICES; the first visible one) or "gpu:N" (the N-th visible GPU); see docs/GPU.md. A worker's
 *     {@code --device} overrides it
 * @param threads PyTorch intra-op threads; 0 leaves the engine's default
 * @param recompute activation recomputation: "none" keeps every activation of a micro-batch until its backward;
 *     "layers" keeps only each decoder layer's input (and its MoE routing) and runs the layer again, recording, at
 *     backward: less memory for one more forward of the layers (see docs/PERFORMANCE.md); under expert parallelism
 *     the recomputed forward reuses the first one's all-to-all. "experts" keeps every activation but the routed
 *     expert MLPs' own (their input rows are kept) and runs the experts again at backward
 */
public record TrainConfig(
    int steps,
    int microBatchSize,
    int gradAccumSteps,
    double lr,
    double minLrRatio,
    int warmupSteps,
    double weightDecay,
    double beta1,
    double beta2,
    double eps,
    double gradClip,
    int evalEvery,
    int evalBatches,
    String dtype,
    String precision,
    LossScaleConfig lossScale,
    String device,
    int threads,
    String recompute) {
  /** {@link #recompute} values. */
  public static final String RECOMPUTE_NONE = "none";
  public static final String RECOMPUTE_LAYERS = "layers";
  public static final String RECOMPUTE_EXPERTS = "experts";

  public boolean recomputeLayers() {
    return recompute.equals(RECOMPUTE_LAYERS);
  }

  public boolean recomputeExperts() {
    return recompute.equals(RECOMPUTE_EXPERTS);
  }

  public static final String FP32 = "fp32";
  public static final String FP16_MIXED = "fp16-mixed";
  public static final String BF16_MIXED = "bf16-mixed";

  public boolean mixedPrecision() {
    return !precision.equals(FP32);
  }

  /** The parsed {@link #device}. */
  public DeviceName deviceName() {
    return DeviceName.parse("train.device", device);
  }

  public int globalBatch() {
    return microBatchSize * gradAccumSteps;
  }

  void validate(String path) {
    Check.positive(path + ".steps", steps);
    Check.positive(path + ".micro-batch-size", microBatchSize);
    Check.positive(path + ".grad-accum-steps", gradAccumSteps);
    Check.positive(path + ".lr", lr);
    Check.that(minLrRatio >= 0 && minLrRatio <= 1, path + ".min-lr-ratio", "must be in [0, 1], got " + minLrRatio);
    Check.nonNegative(path + ".warmup-steps", warmupSteps);
    Check.nonNegative(path + ".weight-decay", weightDecay);
    Check.fraction(path + ".beta1", beta1);
    Check.fraction(path + ".beta2", beta2);
    Check.positive(path + ".eps", eps);
    Check.nonNegative(path + ".eval-every", evalEvery);
    Check.nonNegative(path + ".eval-batches", evalBatches);
    Check.that(dtype.equals("float32") || dtype.equals("float64"), path + ".dtype",
        "must be float32 or float64, got '" + dtype + "'");
    Check.that(!precision.equals(BF16_MIXED), path + ".precision",
        "bf16-mixed is not available: DJL's PyTorch engine (0.35 and 0.36) has no bfloat16 dtype, a cast to it aborts "
            + "the JVM; use fp16-mixed (docs/PRECISION.md)");
    Check.that(precision.equals(FP32) || precision.equals(FP16_MIXED), path + ".precision",
        "must be fp32 or fp16-mixed, got '" + precision + "'");
    Check.that(precision.equals(FP32) || dtype.equals("float32"), path + ".precision",
        precision + " keeps float32 master weights: needs train.dtype = float32, got " + dtype);
    lossScale.validate(path + ".loss-scale");
    Check.nonNegative(path + ".threads", threads);
    DeviceName.parse(path + ".device", device);
    Check.that(List.of(RECOMPUTE_NONE, RECOMPUTE_LAYERS, RECOMPUTE_EXPERTS).contains(recompute), path + ".recompute",
        "must be " + RECOMPUTE_NONE + ", " + RECOMPUTE_LAYERS + " or " + RECOMPUTE_EXPERTS + ", got '" + recompute
            + "'");
  }
}
