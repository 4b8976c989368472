package dev.cohort.hf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.config.ModelConfig;
import dev.cohort.config.MoeConfig;
import dev.cohort.tensor.DType;
import java.util.List;
import java.util.stream.IntStream;

/** config.json of each architecture from a {@link ModelConfig}; {@link HfConfigReader} reads it back. */
final class HfConfigJson {
  static final String ACTIVATION = "silu";

  private HfConfigJson() {}

  /**
   * @param endOfText the tokenizer's end-of-text id (eos)
   * @param beginOfText its bos: the id its template starts a sequence with, else end-of-text as GPT-2's
   */
  static ObjectNode write(ModelConfig model, HfArchitecture architecture, DType dtype, int endOfText,
      int beginOfText) {
    ObjectNode json = new ObjectMapper().createObjectNode();
    json.putArray("architectures").add(architecture.className());
    json.put("model_type", architecture.modelType());
    json.put("vocab_size", model.vocabSize());
    json.put("hidden_size", model.hiddenSize());
    json.put("num_hidden_layers", model.numLayers());
    json.put("num_attention_heads", model.numHeads());
    json.put("num_key_value_heads", model.numKvHeads());
    json.put("head_dim", model.headDim());
    json.put("hidden_act", ACTIVATION);
    json.put("max_position_embeddings", model.maxSeqLen());
    json.put("initializer_range", model.initStd());
    json.put("rms_norm_eps", model.rmsNormEps());
    json.put("rope_theta", model.ropeTheta());
    json.putNull("rope_scaling");
    json.put("tie_word_embeddings", model.tieEmbeddings());
    json.put("attention_dropout", 0.0);
    json.put("use_cache", true);
    putTokenId(json, "bos_token_id", beginOfText, model);
    putTokenId(json, "eos_token_id", endOfText, model);
    json.put("torch_dtype", dtype == DType.BF16 ? "bfloat16" : "float32");
    MoeConfig moe = model.moe();
    switch (architecture) {
      case LLAMA -> {
        json.put("intermediate_size", model.intermediateSize());
        json.put("attention_bias", false);
        json.put("mlp_bias", false);
      }
      case MIXTRAL -> {
        json.put("intermediate_size", moe.expertFfnSize()); // Mixtral's intermediate_size is one expert's width
        json.put("num_local_experts", moe.numExperts());
        json.put("num_experts_per_tok", moe.topK());
        json.put("router_aux_loss_coef", moe.auxLossWeight());
        json.put("router_jitter_noise", 0.0);
        json.put("output_router_logits", false);
        json.putNull("sliding_window");
      }
      case QWEN2_MOE -> {
        json.put("intermediate_size", model.intermediateSize()); // the dense layers' MLP
        json.put("moe_intermediate_size", moe.expertFfnSize());
        // Cohort's shared experts run as one merged SwiGLU: Qwen2-MoE's single shared expert of the summed width.
        json.put("shared_expert_intermediate_size", moe.numSharedExperts() * moe.sharedExpertFfnSize());
        json.put("num_experts", moe.numExperts());
        json.put("num_experts_per_tok", moe.topK());
        json.put("norm_topk_prob", moe.normalizeTopK());
        json.put("router_aux_loss_coef", moe.auxLossWeight());
        json.put("output_router_logits", false);
        // Every layer is a candidate (step 1) and the dense ones are listed: any Cohort pattern fits.
        json.put("decoder_sparse_step", 1);
        ArrayNode dense = json.putArray("mlp_only_layers");
        IntStream.range(0, model.numLayers()).filter(i -> !moe.isMoeLayer(i)).forEach(dense::add);
        json.put("qkv_bias", true); // older transformers always build q/k/v biases: written as zeros
        json.put("use_sliding_window", false);
        json.putNull("sliding_window");
        json.put("max_window_layers", model.numLayers());
      }
    }
    return json;
  }

  /** A model narrower than its tokenizer (tiny test models) cannot emit the token: name no such token then. */
  private static void putTokenId(ObjectNode json, String key, int id, ModelConfig model) {
    if (id < model.vocabSize()) json.put(key, id);
    else json.putNull(key);
  }
}
