package dev.cohort.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.config.CohortConfig;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;

/**
 * The training metrics of the process that drives the steps (the single-worker trainer or the coordinator), fed
 * one metrics.jsonl line per step: whatever the line holds is exported, so the file and the endpoint never
 * disagree. Per-step values are gauges of the last step; quantities that add up (tokens, steps, expert load) are
 * also counters, for rate() over any window.
 */
public final class TrainingMetrics {
  /** The worker label of the single-worker trainer's phases. */
  public static final String LOCAL_WORKER = "trainer";

  private static final Gauge STEP = gauge("cohort_train_step", "Last finished optimizer step (0-based)");
  private static final Gauge TOTAL_STEPS = gauge("cohort_train_total_steps", "Steps the run is configured for");
  private static final Gauge LOSS = gauge("cohort_train_loss", "Mean next-token cross-entropy of the last step");
  private static final Gauge AUX_LOSS = gauge("cohort_train_aux_loss", "Router load-balancing loss, last step");
  private static final Gauge Z_LOSS = gauge("cohort_train_z_loss", "Router z-loss, last step");
  private static final Gauge VAL_LOSS = gauge("cohort_train_validation_loss", "Last validation cross-entropy");
  private static final Gauge LR = gauge("cohort_train_learning_rate", "Learning rate of the last step");
  private static final Gauge LOSS_SCALE = gauge("cohort_train_loss_scale",
      "What the loss was multiplied by before backward in the last step (fp16-mixed's dynamic scale; 1 in fp32)");
  private static final Gauge GRAD_NORM = gauge("cohort_train_grad_norm", "Global gradient norm before clipping");
  private static final Gauge TOKENS_PER_S = gauge("cohort_train_tokens_per_second", "Tokens per second, last step");
  private static final Gauge STEP_SECONDS = gauge("cohort_train_step_seconds", "Wall time of the last step");
  private static final Gauge MFU = gauge("cohort_train_mfu_ratio",
      "Model FLOPs utilization: model FLOP/s over metrics.peak-flops-per-worker x workers");
  private static final Gauge FLOPS_PER_TOKEN = gauge("cohort_train_model_flops_per_token",
      "Training FLOPs per token (6 x active parameters + attention)");
  private static final Gauge BUBBLE = gauge("cohort_pipeline_bubble_ratio",
      "Share of the workers' step time spent idle, waiting for a neighbour stage or the slowest replica");
  private static final Gauge PHASE = Gauge.builder().name("cohort_step_phase_seconds")
      .help("Time of each worker in each phase of the last step").labelNames("worker", "phase").register();
  private static final Gauge LOAD_ENTROPY = Gauge.builder().name("cohort_moe_expert_load_entropy_ratio")
      .help("Entropy of the last step's token counts over experts, over its maximum log(experts): 1 is balanced")
      .labelNames("layer").register();
  private static final Counter STEPS = Counter.builder().name("cohort_train_steps_total")
      .help("Optimizer steps finished by this process").register();
  private static final Counter SKIPPED = Counter.builder().name("cohort_train_skipped_steps_total")
      .help("Steps whose update was skipped for a non-finite gradient").register();
  private static final Counter TOKENS = Counter.builder().name("cohort_train_tokens_total")
      .help("Training tokens processed").register();
  private static final Gauge LOAD_MAX_OVER_MEAN = Gauge.builder().name("cohort_moe_load_max_over_mean")
      .help("The busiest expert's tokens over the mean per expert in the last step, per MoE layer: 1 is balanced")
      .labelNames("layer").register();
  private static final Gauge ROUTER_BIAS = Gauge.builder().name("cohort_moe_router_bias")
      .help("Each router's balancing bias per expert after the last step (moe.balance = bias or both)")
      .labelNames("layer", "expert").register();
  private static final Counter EXPERT_TOKENS = Counter.builder().name("cohort_moe_expert_tokens_total")
      .help("Tokens routed to each expert of each MoE layer").labelNames("layer", "expert").register();
  private static final Gauge ROUTER_ENTROPY = Gauge.builder().name("cohort_moe_router_entropy_nats")
      .help("Mean over tokens of the router distribution's entropy in the last step, per MoE layer (log E: uniform)")
      .labelNames("layer").register();
  private static final Counter DROPPED = Counter.builder().name("cohort_moe_dropped_tokens_total")
      .help("Token-to-expert assignments dropped over capacity, per MoE layer").labelNames("layer").register();

  private static final String[] PHASES = {"forward", "backward", "communication", "idle", "optimizer"};

  private final double flopsPerToken;
  private final double peakFlops;

  private TrainingMetrics(double flopsPerToken, double peakFlops) {
    this.flopsPerToken = flopsPerToken;
    this.peakFlops = peakFlops;
    FLOPS_PER_TOKEN.set(flopsPerToken);
    // Nothing measured yet: a gap on a graph, not a loss of zero.
    LOSS.set(Double.NaN);
    VAL_LOSS.set(Double.NaN);
  }

  /** Metrics of a run of {@code config}: its model's FLOPs per token, and the peak of all its workers. */
  public static TrainingMetrics of(CohortConfig config) {
    return new TrainingMetrics(ModelFlops.perToken(config.model(), config.data().seqLen()),
        config.metrics().peakFlopsPerWorker() * config.parallel().workers());
  }

  private static Gauge gauge(String name, String help) {
    return Gauge.builder().name(name).help(help).register();
  }

  /** Exports one step's metrics line (MetricsLog's fields; a distributed line's "workers" array too). */
  public void record(ObjectNode line, long totalSteps) {
    STEP.set(line.path("step").asLong());
    TOTAL_STEPS.set(totalSteps);
    LOSS.set(line.path("loss").asDouble());
    AUX_LOSS.set(line.path("aux_loss").asDouble());
    Z_LOSS.set(line.path("z_loss").asDouble());
    if (line.has("val_loss")) VAL_LOSS.set(line.get("val_loss").asDouble());
    LR.set(line.path("lr").asDouble());
    GRAD_NORM.set(line.path("grad_norm").asDouble());
    LOSS_SCALE.set(line.path("loss_scale").asDouble(1));
    double tokensPerSecond = line.path("tokens_per_s").asDouble();
    double stepSeconds = line.path("step_ms").asDouble() / 1e3;
    TOKENS_PER_S.set(tokensPerSecond);
    STEP_SECONDS.set(stepSeconds);
    MFU.set(tokensPerSecond * flopsPerToken / peakFlops);
    STEPS.inc();
    if (line.path("skipped").asBoolean()) SKIPPED.inc();
    TOKENS.inc(Math.round(tokensPerSecond * stepSeconds));
    recordExperts(line.path("expert_tokens"), line.path("dropped_tokens"));
    JsonNode entropy = line.path("router_entropy");
    for (int layer = 0; layer < entropy.size(); layer++) {
      ROUTER_ENTROPY.labelValues(Integer.toString(layer)).set(entropy.get(layer).asDouble());
    }
    JsonNode loadRatio = line.path("moe_load_max_over_mean");
    for (int layer = 0; layer < loadRatio.size(); layer++) {
      LOAD_MAX_OVER_MEAN.labelValues(Integer.toString(layer)).set(loadRatio.get(layer).asDouble());
    }
    recordBiases(line.path("router_bias"));
    if (line.has("workers")) recordWorkers(line.get("workers"));
    else recordPhases(LOCAL_WORKER, line);
  }

  private static void recordExperts(JsonNode expertTokens, JsonNode dropped) {
    for (int layer = 0; layer < expertTokens.size(); layer++) {
      String l = Integer.toString(layer);
      JsonNode counts = expertTokens.get(layer);
      for (int e = 0; e < counts.size(); e++) {
        EXPERT_TOKENS.labelValues(l, Integer.toString(e)).inc(counts.get(e).asLong());
      }
      LOAD_ENTROPY.labelValues(l).set(normalizedEntropy(counts));
      DROPPED.labelValues(l).inc(dropped.path(layer).asLong());
    }
  }

  private static void recordBiases(JsonNode biases) {
    for (int layer = 0; layer < biases.size(); layer++) {
      JsonNode values = biases.get(layer);
      for (int e = 0; e < values.size(); e++) {
        ROUTER_BIAS.labelValues(Integer.toString(layer), Integer.toString(e)).set(values.get(e).asDouble());
      }
    }
  }

  /** Entropy of the distribution the counts make, over log(n): 1 for equal counts, 0 for all in one. */
  static double normalizedEntropy(JsonNode counts) {
    double total = 0;
    for (JsonNode c : counts) total += c.asDouble();
    if (total == 0 || counts.size() < 2) return 1;
    double entropy = 0;
    for (JsonNode c : counts) {
      double p = c.asDouble() / total;
      if (p > 0) entropy -= p * Math.log(p);
    }
    return entropy / Math.log(counts.size());
  }

  private static void recordWorkers(JsonNode workers) {
    double idle = 0;
    double busy = 0;
    for (JsonNode w : workers) {
      recordPhases(w.path("worker").asText(), w);
      idle += w.path("idle_ms").asDouble();
      busy += w.path("forward_ms").asDouble() + w.path("backward_ms").asDouble()
          + w.path("communication_ms").asDouble();
    }
    BUBBLE.set(idle + busy == 0 ? 0 : idle / (idle + busy));
  }

  private static void recordPhases(String worker, JsonNode times) {
    for (String phase : PHASES) {
      JsonNode ms = times.get(phase + "_ms");
      if (ms != null) PHASE.labelValues(worker, phase).set(ms.asDouble() / 1e3);
    }
  }
}
