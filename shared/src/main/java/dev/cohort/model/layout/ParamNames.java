package dev.cohort.model.layout;

/**
 * Global parameter names, exactly as in Hugging Face's LLaMA and Mixtral checkpoints; the shared experts sit beside
 * the routed ones under block_sparse_moe (Qwen2-MoE keeps its whole MoE block under "mlp": dev.cohort.hf renames).
 * Every other piece of code asks here instead of spelling a name.
 */
public final class ParamNames {
  private ParamNames() {}

  public static final String EMBED = "model.embed_tokens.weight";
  public static final String FINAL_NORM = "model.norm.weight";
  public static final String LM_HEAD = "lm_head.weight";

  public static String layer(int layer) {
    return "model.layers." + layer + ".";
  }

  public static String inputNorm(int layer) {
    return layer(layer) + "input_layernorm.weight";
  }

  public static String postAttentionNorm(int layer) {
    return layer(layer) + "post_attention_layernorm.weight";
  }

  /** @param proj one of q_proj, k_proj, v_proj, o_proj */
  public static String attention(int layer, String proj) {
    return layer(layer) + "self_attn." + proj + ".weight";
  }

  /** Dense SwiGLU of a non-MoE layer; @param proj one of gate_proj, up_proj, down_proj */
  public static String mlp(int layer, String proj) {
    return layer(layer) + "mlp." + proj + ".weight";
  }

  public static String router(int layer) {
    return layer(layer) + "block_sparse_moe.gate.weight";
  }

  /** Routed expert; @param w one of w1 (gate), w3 (up), w2 (down) */
  public static String expert(int layer, int expert, String w) {
    return layer(layer) + "block_sparse_moe.experts." + expert + "." + w + ".weight";
  }

  /** The shared experts, merged into one SwiGLU as in Qwen2-MoE; @param proj gate_proj, up_proj or down_proj */
  public static String sharedExpert(int layer, String proj) {
    return layer(layer) + "block_sparse_moe.shared_expert." + proj + ".weight";
  }

  public static String sharedExpertGate(int layer) {
    return layer(layer) + "block_sparse_moe.shared_expert_gate.weight";
  }

  /** Whether a parameter belongs to a routed expert (owned by one worker under expert parallelism). */
  public static boolean isRoutedExpert(String name) {
    return name.contains(".block_sparse_moe.experts.");
  }

  /** The expert number in a routed expert's name (model.layers.L.block_sparse_moe.experts.E.w1.weight). */
  public static int expertIndex(String name) {
    String rest = name.substring(name.indexOf(".experts.") + ".experts.".length());
    return Integer.parseInt(rest.substring(0, rest.indexOf('.')));
  }

  /** Norm weights are vectors; AdamW's decoupled weight decay applies to matrices only (as nanoGPT does). */
  public static boolean isDecayed(String name) {
    return !name.endsWith("norm.weight") && !name.endsWith("layernorm.weight");
  }
}
