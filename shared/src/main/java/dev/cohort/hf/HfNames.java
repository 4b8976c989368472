package dev.cohort.hf;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parameter names between Cohort ({@link dev.cohort.model.ParamNames}, Mixtral's) and each architecture's
 * checkpoint. LLaMA and Mixtral use Cohort's names as they are. Qwen2-MoE keeps its MoE block under "mlp": the
 * router is mlp.gate, the experts are gate_proj / up_proj / down_proj (Mixtral's w1 / w3 / w2), and the shared
 * expert and its gate sit beside them.
 */
final class HfNames {
  private static final String OURS = ".block_sparse_moe.";
  private static final String QWEN = ".mlp.";
  private static final Pattern OUR_EXPERT = Pattern.compile("(.*\\.block_sparse_moe\\.experts\\.\\d+\\.)(w[123])(\\.weight)");
  private static final Pattern QWEN_EXPERT =
      Pattern.compile("(.*\\.mlp\\.experts\\.\\d+\\.)(gate_proj|up_proj|down_proj)(\\.weight)");
  private static final Map<String, String> TO_QWEN = Map.of("w1", "gate_proj", "w3", "up_proj", "w2", "down_proj");
  private static final Map<String, String> FROM_QWEN = Map.of("gate_proj", "w1", "up_proj", "w3", "down_proj", "w2");

  private HfNames() {}

  static String toHf(String ours, HfArchitecture architecture) {
    if (architecture != HfArchitecture.QWEN2_MOE || !ours.contains(OURS)) return ours;
    Matcher expert = OUR_EXPERT.matcher(ours);
    String renamed = expert.matches() ? expert.group(1) + TO_QWEN.get(expert.group(2)) + expert.group(3) : ours;
    return renamed.replace(OURS, QWEN);
  }

  /**
   * @param isMoeLayer whether the name's layer is sparse: a Qwen2-MoE name under "mlp." is the MoE block there and
   *     the dense MLP elsewhere
   */
  static String fromHf(String hf, HfArchitecture architecture, boolean isMoeLayer) {
    if (architecture != HfArchitecture.QWEN2_MOE || !isMoeLayer || !hf.contains(QWEN)) return hf;
    Matcher expert = QWEN_EXPERT.matcher(hf);
    String renamed = expert.matches() ? expert.group(1) + FROM_QWEN.get(expert.group(2)) + expert.group(3) : hf;
    return renamed.replace(QWEN, OURS);
  }

  /** The layer index in model.layers.N...., or -1 for the embedding, final norm and head. */
  static int layerOf(String name) {
    String prefix = "model.layers.";
    if (!name.startsWith(prefix)) return -1;
    String rest = name.substring(prefix.length());
    return Integer.parseInt(rest.substring(0, rest.indexOf('.')));
  }
}
