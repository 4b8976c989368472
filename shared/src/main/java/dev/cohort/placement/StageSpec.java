package dev.cohort.placement;

/**
 * One pipeline stage: the decoder layers [firstLayer, endLayer) plus, at the ends of the pipeline, the token
 * embedding (stage 0) and the final norm with the LM head (last stage).
 *
 * @param index stage number, 0 first
 * @param firstLayer first decoder layer held, inclusive
 * @param endLayer last decoder layer held, exclusive
 * @param hasEmbedding this stage turns token ids into hidden states
 * @param hasHead this stage applies the final norm and the LM head and computes the loss
 * @param flopsPerToken the forward cost the planner balanced, per token (see {@link LayerCost})
 */
public record StageSpec(
    int index, int firstLayer, int endLayer, boolean hasEmbedding, boolean hasHead, long flopsPerToken) {

  public StageSpec {
    PlacementError.require(0 <= firstLayer && firstLayer < endLayer,
        "stage " + index + " must hold at least one layer, got [" + firstLayer + ", " + endLayer + ")");
  }

  public int numLayers() {
    return endLayer - firstLayer;
  }

  public boolean holdsLayer(int layer) {
    return firstLayer <= layer && layer < endLayer;
  }
}
