package dev.cohort.worker.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits: temperature, then top-k, then top-p (nucleus) filtering, then a draw. Temperature
 * 0 is greedy.
 *
 * @param topK keep the k most likely tokens (0: all)
 * @param topP keep the smallest set of most likely tokens whose probability reaches p (1: all)
 */
public record Sampler(double temperature, int topK, double topP) {

  public Sampler {
    if (temperature < 0) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
    if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
    if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
  }

  public int sample(float[] logits, SplittableRandom random) {
    Integer[] order = new Integer[logits.length];
    for (int i = 0; i < order.length; i++) order[i] = i;
    Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
    if (temperature == 0) return order[0];
    int keep = topK == 0 ? logits.length : Math.min(topK, logits.length);
    double[] probs = new double[keep];
    double max = logits[order[0]] / temperature;
    double total = 0;
    for (int i = 0; i < keep; i++) {
      probs[i] = Math.exp(logits[order[i]] / temperature - max);
      total += probs[i];
    }
    double cumulative = 0;
    int nucleus = keep;
    for (int i = 0; i < keep; i++) {
      cumulative += probs[i] / total;
      if (cumulative >= topP) {
        nucleus = i + 1;
        break;
      }
    }
    double mass = 0;
    for (int i = 0; i < nucleus; i++) mass += probs[i];
    double draw = random.nextDouble() * mass;
    for (int i = 0; i < nucleus; i++) {
      draw -= probs[i];
      if (draw <= 0) return order[i];
    }
    return order[nucleus - 1];
  }
}
