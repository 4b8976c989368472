package dev.cohort.hf;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A LLaMA / Mixtral / Qwen2-MoE config.json (transformers 4 or 5) as Cohort model settings, refusing what Cohort does
 * not compute.
 */
final class HfConfigReader {
  private static final String ACTIVATION = HfConfigJson.ACTIVATION;

  private HfConfigReader() {}

  /** Cohort model settings ("model.key = value" lines) describing the model of a config.json. */
  static List<String> read(JsonNode json) {
    HfArchitecture architecture = architectureOf(json);
    requireRepresentable(json, architecture);
    List<String> lines = new ArrayList<>();
    int layers = required(json, "num_hidden_layers").asInt();
    set(lines, "vocab-size", required(json, "vocab_size").asInt());
    set(lines, "hidden-size", required(json, "hidden_size").asInt());
    set(lines, "num-layers", layers);
    set(lines, "num-heads", required(json, "num_attention_heads").asInt());
    set(lines, "num-kv-heads", json.path("num_key_value_heads").asInt(required(json, "num_attention_heads").asInt()));
    set(lines, "intermediate-size", required(json, "intermediate_size").asInt());
    set(lines, "rope-theta", ropeTheta(json));
    set(lines, "rms-norm-eps", required(json, "rms_norm_eps").asDouble());
    set(lines, "tie-embeddings", json.path("tie_word_embeddings").asBoolean(false));
    set(lines, "max-seq-len", required(json, "max_position_embeddings").asInt());
    set(lines, "init-std", json.path("initializer_range").asDouble(0.02));
    set(lines, "loop.times", 1);
    switch (architecture) {
      case LLAMA -> set(lines, "moe.num-experts", 0);
      case MIXTRAL -> {
        set(lines, "moe.num-experts", required(json, "num_local_experts").asInt());
        set(lines, "moe.top-k", required(json, "num_experts_per_tok").asInt());
        set(lines, "moe.expert-ffn-size", required(json, "intermediate_size").asInt());
        set(lines, "moe.num-shared-experts", 0);
        set(lines, "moe.normalize-top-k", true);
        setDenseLayers(lines, 0, 1);
        set(lines, "moe.aux-loss-weight", json.path("router_aux_loss_coef").asDouble(0.0));
      }
      case QWEN2_MOE -> readQwen(json, layers, lines);
    }
    set(lines, "moe.capacity-factor", 0.0); // transformers' MoE is dropless
    return lines;
  }

  private static void readQwen(JsonNode json, int layers, List<String> lines) {
    int step = json.path("decoder_sparse_step").asInt(1);
    List<Integer> denseListed = new ArrayList<>();
    json.path("mlp_only_layers").forEach(n -> denseListed.add(n.asInt()));
    int experts = required(json, "num_experts").asInt();
    int[] sparse = IntStream.range(0, layers)
        .filter(i -> !denseListed.contains(i) && experts > 0 && (i + 1) % step == 0).toArray();
    if (sparse.length == 0) {
      set(lines, "moe.num-experts", 0);
      return;
    }
    int shared = required(json, "shared_expert_intermediate_size").asInt();
    if (shared <= 0) throw new HfError("shared_expert_intermediate_size must be > 0, got " + shared);
    set(lines, "moe.num-experts", experts);
    set(lines, "moe.top-k", required(json, "num_experts_per_tok").asInt());
    set(lines, "moe.expert-ffn-size", required(json, "moe_intermediate_size").asInt());
    set(lines, "moe.num-shared-experts", 1);
    set(lines, "moe.shared-expert-ffn-size", shared);
    set(lines, "moe.shared-expert-gate", true);
    set(lines, "moe.normalize-top-k", json.path("norm_topk_prob").asBoolean(false));
    set(lines, "moe.aux-loss-weight", json.path("router_aux_loss_coef").asDouble(0.0));
    int first = sparse[0];
    int layerStep = sparse.length > 1 ? sparse[1] - sparse[0] : layers;
    for (int i = 0; i < layers; i++) {
      boolean ours = i >= first && (i - first) % layerStep == 0;
      if (ours != (Arrays.binarySearch(sparse, i) >= 0)) {
        throw new HfError("MoE layers " + Arrays.toString(sparse) + " are not a first-dense-layers + "
            + "layer-step pattern, the only one Cohort has");
      }
    }
    setDenseLayers(lines, first, layerStep);
  }

  private static void setDenseLayers(List<String> lines, int first, int step) {
    set(lines, "moe.first-dense-layers", first);
    set(lines, "moe.layer-step", step);
  }

  static HfArchitecture architectureOf(JsonNode json) {
    JsonNode classes = json.path("architectures");
    if (classes.isArray() && classes.size() > 0) return HfArchitecture.named(classes.get(0).asText());
    return HfArchitecture.named(required(json, "model_type").asText());
  }

  /** What the three architectures can configure but Cohort does not compute. */
  private static void requireRepresentable(JsonNode json, HfArchitecture architecture) {
    String act = json.path("hidden_act").asText(ACTIVATION);
    if (!act.equals(ACTIVATION)) throw new HfError("hidden_act '" + act + "': Cohort's MLPs are SwiGLU (silu)");
    if (!json.path("rope_scaling").isMissingNode() && !json.path("rope_scaling").isNull()) {
      throw new HfError("rope_scaling " + json.get("rope_scaling") + ": Cohort has plain RoPE only");
    }
    for (JsonNode type : json.path("layer_types")) {
      if (!type.asText().equals("full_attention")) {
        throw new HfError("layer_types has '" + type.asText() + "': Cohort attends to the whole causal context");
      }
    }
    if (json.path("use_sliding_window").asBoolean(false)
        || (architecture == HfArchitecture.MIXTRAL && !json.path("sliding_window").isNull()
            && !json.path("sliding_window").isMissingNode())) {
      throw new HfError("sliding-window attention: Cohort attends to the whole causal context");
    }
    if (json.path("attention_bias").asBoolean(false) || json.path("mlp_bias").asBoolean(false)) {
      throw new HfError("attention_bias / mlp_bias: Cohort's projections have no bias");
    }
    int hidden = required(json, "hidden_size").asInt();
    int heads = required(json, "num_attention_heads").asInt();
    JsonNode headDim = json.path("head_dim");
    if (!headDim.isMissingNode() && !headDim.isNull() && headDim.asInt() * heads != hidden) {
      throw new HfError("head_dim " + headDim.asInt() + " x " + heads + " heads != hidden_size " + hidden
          + ": Cohort's head dim is hidden_size / num_attention_heads");
    }
  }

  /** transformers 4 writes rope_theta at the top level, transformers 5 inside rope_parameters. */
  private static double ropeTheta(JsonNode json) {
    JsonNode parameters = json.path("rope_parameters");
    if (parameters.isObject()) {
      String type = parameters.path("rope_type").asText("default");
      if (!type.equals("default")) throw new HfError("rope_parameters.rope_type '" + type + "': Cohort has plain RoPE");
      return required(parameters, "rope_theta").asDouble();
    }
    return required(json, "rope_theta").asDouble();
  }

  private static JsonNode required(JsonNode json, String key) {
    JsonNode value = json.get(key);
    if (value == null || value.isNull()) throw new HfError("config.json has no '" + key + "'");
    return value;
  }

  private static void set(List<String> lines, String key, Object value) {
    lines.add("model." + key + " = " + value);
  }
}
