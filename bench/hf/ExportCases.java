import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cohort.checkpoint.Safetensors;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.ModelConfig;
import dev.cohort.data.Tokenizer;
import dev.cohort.hf.HfExport;
import dev.cohort.model.Autograd;
import dev.cohort.model.HostArrays;
import dev.cohort.model.Ops;
import dev.cohort.model.Parameters;
import dev.cohort.model.Transformer;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.tensor.DType;
import dev.cohort.tensor.HostTensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Exports one random tiny model per architecture (Mixtral; Qwen2-MoE with shared experts and dense layers; LLaMA)
 * to OUT/NAME, beside cohort_logits.safetensors: fixed tokens and Cohort's float32 logits for them, and a sample
 * text with Cohort's GPT-2 token ids, for compare_transformers.py to check against transformers. Run by run.sh.
 */
public final class ExportCases {
  private static final int BATCH = 2;
  private static final int SEQ = 12;
  /** English, accents, an emoji, runs of spaces, a newline and a tab: the byte-level BPE's hard cases. */
  private static final String SAMPLE = "The jury said it did find that many of Georgia's registration laws are "
      + "outmoded. Hello world \u00fcn\u00efc\u00f6d\u00e9 \ud83d\ude42  spaces   and\nnewlines\ttab";

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    Path tiny = Path.of(args[1]);
    Map<String, List<String>> cases = new LinkedHashMap<>();
    cases.put("mixtral", List.of("model.tie-embeddings = false"));
    cases.put("qwen2moe", List.of("model.num-layers = 4", "model.moe.num-shared-experts = 2",
        "model.moe.shared-expert-ffn-size = 8", "model.moe.shared-expert-gate = true",
        "model.moe.normalize-top-k = false", "model.moe.first-dense-layers = 1", "model.moe.layer-step = 2"));
    cases.put("llama", List.of("model.moe.num-experts = 0"));
    try (NDManager manager = NDManager.newBaseManager()) {
      Autograd.record(false);
      for (Map.Entry<String, List<String>> c : cases.entrySet()) {
        ModelConfig model = CohortConfig.load(tiny, c.getValue()).model();
        Parameters params = Parameters.initialize(ModelLayout.of(model), 5, manager, DataType.FLOAT32);
        for (String name : params.names()) { // norms away from one, so a misplaced norm shows
          if (name.endsWith("norm.weight")) {
            Ops.copyInto(params.get(name), manager.randomUniform(0.5f, 1.5f, params.get(name).getShape()));
          }
        }
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        params.asMap().forEach((name, array) -> tensors.put(name, HostArrays.toHost(array)));
        Path dir = out.resolve(c.getKey());
        HfExport.write(model, tensors, "gpt2", new HfExport.Options(DType.F32, false), dir);
        long[] ids = new long[BATCH * SEQ];
        Random random = new Random(3);
        for (int i = 0; i < ids.length; i++) ids[i] = random.nextInt(model.vocabSize());
        NDArray tokens = manager.create(ids, new Shape(BATCH, SEQ));
        float[] logits = new Transformer(model, params, manager).forward(tokens, null).logits().toFloatArray();
        Map<String, HostTensor> reference = new LinkedHashMap<>();
        reference.put("tokens", HostTensor.ofLongs(new long[] {BATCH, SEQ}, ids));
        reference.put("logits", HostTensor.ofFloats(new long[] {BATCH, SEQ, model.vocabSize()}, logits));
        int[] sample = Tokenizer.named("gpt2").encode(SAMPLE);
        reference.put("sample_ids", HostTensor.ofLongs(new long[] {sample.length},
            java.util.Arrays.stream(sample).asLongStream().toArray()));
        Safetensors.write(dir.resolve("cohort_logits.safetensors"), reference, Map.of("sample_text", SAMPLE));
      }
    }
  }
}
