package dev.cohort.model;

import ai.djl.ndarray.NDArray;

/** A dense layer's feed-forward: a SwiGLU, or Doge's CDMoE (a SwiGLU plus retrieved private experts). */
public interface FeedForward {
  /** x: (..., d) -> (..., d) */
  NDArray forward(NDArray x);
}
