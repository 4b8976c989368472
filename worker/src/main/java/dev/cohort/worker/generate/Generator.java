package dev.cohort.worker.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cohort.model.Autograd;
import dev.cohort.model.KvCache;
import dev.cohort.model.Transformer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Autoregressive sampling with a key/value cache: the prompt runs once, then each new token costs one position of
 * attention over the cache instead of a forward over the whole sequence.
 */
public final class Generator {
  private final Transformer model;
  private final NDManager manager;

  public Generator(Transformer model, NDManager manager) {
    this.model = model;
    this.manager = manager;
  }

  /** @return the generated tokens (not the prompt), stopping early at {@code stopToken} or the model's max length */
  public int[] generate(int[] prompt, int maxNewTokens, Sampler sampler, long seed, int stopToken) {
    if (prompt.length == 0) throw new IllegalArgumentException("the prompt is empty");
    Autograd.record(false);
    SplittableRandom random = new SplittableRandom(seed);
    List<KvCache> caches = new ArrayList<>();
    for (int i = 0; i < model.numLayers(); i++) caches.add(new KvCache());
    int limit = Math.min(maxNewTokens, model.config().maxSeqLen() - prompt.length);
    List<Integer> out = new ArrayList<>();
    try (NDManager step = manager.newSubManager()) {
      float[] logits = lastLogits(step, prompt, caches);
      for (int i = 0; i < limit; i++) {
        int next = sampler.sample(logits, random);
        if (next == stopToken) break;
        out.add(next);
        if (i + 1 < limit) logits = lastLogits(step, new int[] {next}, caches);
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Runs tokens (1, T) through the model, extending the caches; returns the logits of the last position. */
  private float[] lastLogits(NDManager step, int[] tokens, List<KvCache> caches) {
    long[] ids = new long[tokens.length];
    for (int i = 0; i < tokens.length; i++) ids[i] = tokens[i];
    NDArray input = step.create(ids, new Shape(1, tokens.length));
    NDArray logits = model.forward(input, caches).logits(); // (1, T, V)
    long v = logits.getShape().get(2);
    return logits.reshape(tokens.length, v).get(tokens.length - 1).toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
        .toFloatArray();
  }
}
