package dev.cohort.config;

/**
 * Doge's cross-domain MoE feed-forward (CDMoE, "Wonderful Matrices"): every layer that is not an MoE layer keeps its
 * dense SwiGLU (width model.intermediate-size, Doge's intermediate_size) as the shared branch and adds a large pool
 * of single-neuron private experts, each a pair of d-vectors (down_embed, up_embed), retrieved per token by product
 * keys: each head projects the token to a query whose two halves score two sub-key tables of sqrt(E) keys each; the
 * top experts-per-head of the sums are the token's experts in that head. Keys after Doge's config.json.
 *
 * @param numExperts private experts per layer (num_experts), a perfect square; 0 turns CDMoE off
 * @param numHeads retrieval heads (num_cdmoe_heads): each picks its own experts, their outputs add up
 * @param expertsPerHead experts each head retrieves per token (num_cdmoe_experts_per_head), at most sqrt(E)
 * @param retrievalSize width of a head's query (expert_retrieval_size), even: half scores each sub-key table
 */
public record CdmoeConfig(int numExperts, int numHeads, int expertsPerHead, int retrievalSize) {
  public boolean enabled() {
    return numExperts > 0;
  }

  /** Keys per sub-key table: sqrt(E), so the two tables' pairs index every expert once. */
  public int numKeys() {
    return (int) Math.round(Math.sqrt(numExperts));
  }

  void validate(String path) {
    Check.nonNegative(path + ".num-experts", numExperts);
    if (!enabled()) return;
    Check.that(numKeys() * numKeys() == numExperts, path + ".num-experts",
        "must be a perfect square (two sub-key tables of sqrt(E) keys), got " + numExperts);
    Check.positive(path + ".num-heads", numHeads);
    Check.that(expertsPerHead >= 1 && expertsPerHead <= numKeys(), path + ".experts-per-head",
        "must be in [1, sqrt(num-experts)=" + numKeys() + "], got " + expertsPerHead);
    Check.that(retrievalSize > 0 && retrievalSize % 2 == 0, path + ".retrieval-size",
        "must be even and > 0 (one half per sub-key table), got " + retrievalSize);
  }
}
