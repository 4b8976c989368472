package dev.cohort.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.checkpoint.Safetensors;
import dev.cohort.checkpoint.SafetensorsFile;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.ModelConfig;
import dev.cohort.data.Tokenizer;
import dev.cohort.model.EngineTest;
import dev.cohort.model.HostArrays;
import dev.cohort.model.Ops;
import dev.cohort.model.Parameters;
import dev.cohort.model.Transformer;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.tensor.DType;
import dev.cohort.tensor.HostTensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Export to a transformers directory and import back: same model, bitwise the same logits in float32. */
class HfRoundTripTest extends EngineTest {
  private static final Path TINY = Path.of("../conf/model/tiny.conf");
  private static final HfExport.Options F32 = new HfExport.Options(DType.F32, false);

  @TempDir Path dir;

  @Test
  void mixtralRoundTripGivesBitwiseEqualLogits() throws IOException {
    ModelConfig model = tiny("tie-embeddings = false");
    assertRoundTrip(model, HfArchitecture.MIXTRAL);
    JsonNode json = configJson();
    assertEquals(model.moe().expertFfnSize(), json.get("intermediate_size").asInt(), "Mixtral's is one expert's");
    assertEquals(4, json.get("num_local_experts").asInt());
    assertEquals(2, json.get("num_experts_per_tok").asInt());
    assertEquals(model.numKvHeads(), json.get("num_key_value_heads").asInt());
    assertEquals(model.rmsNormEps(), json.get("rms_norm_eps").asDouble());
    assertFalse(json.get("tie_word_embeddings").asBoolean());
    assertTrue(weights().names().contains("model.layers.1.block_sparse_moe.experts.3.w2.weight"));
    assertTrue(weights().names().contains("lm_head.weight"));
  }

  @Test
  void qwen2MoeWithSharedExpertsAndDenseLayersRoundTripsBitwise() throws IOException {
    ModelConfig model = tiny("num-layers = 4", "moe.num-shared-experts = 2", "moe.shared-expert-ffn-size = 8",
        "moe.shared-expert-gate = true", "moe.normalize-top-k = false", "moe.first-dense-layers = 1",
        "moe.layer-step = 2");
    Parameters exported = assertRoundTrip(model, HfArchitecture.QWEN2_MOE);
    JsonNode json = configJson();
    assertEquals(model.intermediateSize(), json.get("intermediate_size").asInt(), "the dense layers' width");
    assertEquals(model.moe().expertFfnSize(), json.get("moe_intermediate_size").asInt());
    assertEquals(16, json.get("shared_expert_intermediate_size").asInt(), "two shared experts of 8, merged");
    assertEquals(4, json.get("num_experts").asInt());
    assertFalse(json.get("norm_topk_prob").asBoolean());
    assertEquals("[0,2]", json.get("mlp_only_layers").toString());
    assertEquals(1, json.get("decoder_sparse_step").asInt());
    List<String> names = weights().names();
    for (String name : List.of("model.layers.0.mlp.gate_proj.weight", "model.layers.1.mlp.gate.weight",
        "model.layers.1.mlp.experts.2.gate_proj.weight", "model.layers.1.mlp.experts.2.up_proj.weight",
        "model.layers.3.mlp.experts.0.down_proj.weight", "model.layers.1.mlp.shared_expert.down_proj.weight",
        "model.layers.1.mlp.shared_expert_gate.weight", "model.layers.2.self_attn.k_proj.bias")) {
      assertTrue(names.contains(name), name + " missing from " + names);
    }
    assertTrue(names.stream().noneMatch(n -> n.contains("block_sparse_moe")), "Qwen2-MoE names only");
    // Mixtral's w1 / w3 / w2 are Qwen2-MoE's gate_proj / up_proj / down_proj, in that order.
    Map<String, HostTensor> ours = hostTensors(exported);
    assertEquals(ours.get("model.layers.1.block_sparse_moe.experts.2.w1.weight"),
        weights().tensor("model.layers.1.mlp.experts.2.gate_proj.weight"));
    assertEquals(ours.get("model.layers.1.block_sparse_moe.experts.2.w3.weight"),
        weights().tensor("model.layers.1.mlp.experts.2.up_proj.weight"));
    assertEquals(ours.get("model.layers.1.block_sparse_moe.experts.2.w2.weight"),
        weights().tensor("model.layers.1.mlp.experts.2.down_proj.weight"));
    float[] bias = weights().tensor("model.layers.2.self_attn.k_proj.bias").toFloats();
    assertEquals(model.numKvHeads() * model.headDim(), bias.length);
    for (float b : bias) assertEquals(0f, b);
    assertFalse(names.contains("lm_head.weight"), "a tied head is not written");
  }

  @Test
  void aDenseModelRoundTripsAsLlama() throws IOException {
    assertRoundTrip(tiny("moe.num-experts = 0"), HfArchitecture.LLAMA);
  }

  @Test
  void bfloat16ExportRoundsEachWeightToNearestEven() throws IOException {
    ModelConfig model = tiny();
    Map<String, HostTensor> original = hostTensors(randomParameters(model));
    HfExport.write(model, original, Tokenizer.named("gpt2"), new HfExport.Options(DType.BF16, false), dir);
    assertEquals("bfloat16", configJson().get("torch_dtype").asText());
    assertEquals(DType.BF16, weights().entry("model.embed_tokens.weight").dtype());
    HfImport.Imported imported = HfImport.read(dir);
    for (Map.Entry<String, HostTensor> e : original.entrySet()) {
      float[] before = e.getValue().toFloats();
      float[] after = imported.tensors().get(e.getKey()).toFloats();
      for (int i = 0; i < before.length; i++) {
        assertEquals(HostCast.toBf16(before[i]) << 16, Float.floatToRawIntBits(after[i]), e.getKey());
      }
    }
  }

  @Test
  void roundingToBfloat16IsToNearestEven() {
    assertEquals(0x3f80, HostCast.toBf16(1.0f));
    assertEquals(0x3f80, HostCast.toBf16(1.0f + 0x1p-8f), "a tie goes to the even neighbour 1.0");
    assertEquals(0x3f82, HostCast.toBf16(1.0f + 3 * 0x1p-8f), "a tie goes to the even neighbour 1 + 2^-6");
    assertEquals(0x3f81, HostCast.toBf16(1.0f + 0x1p-8f + 0x1p-20f), "above the tie rounds up");
    assertEquals(0xbf80, HostCast.toBf16(-1.0f));
  }

  @Test
  void cohortFeaturesWithoutATransformersEquivalentAreRefused() {
    assertRefused(tiny("num-layers = 3", "loop.start = 0", "loop.end = 2", "loop.times = 2"), "looped layers");
    assertRefused(tiny("moe.num-shared-experts = 1", "moe.shared-expert-ffn-size = 8"), "shared-expert-gate");
    assertRefused(tiny("moe.first-dense-layers = 1"), "dense layers between MoE layers");
    assertRefused(tiny("moe.normalize-top-k = false"), "renormalises");
    assertRefused(tiny("moe.capacity-factor = 1.25"), "--dropless");
    assertRefused(tiny("moe.router.score = sigmoid"), "moe.router.score = sigmoid");
    assertRefused(tiny("moe.balance = bias"), "moe.balance = bias");
    assertRefused(tiny("moe.num-experts = 0", "cdmoe.num-experts = 16", "cdmoe.experts-per-head = 2"),
        "model.cdmoe");
  }

  @Test
  void aTransformersFeatureCohortLacksIsRefusedOnImport() throws IOException {
    ModelConfig model = tiny();
    HfExport.write(model, hostTensors(randomParameters(model)), Tokenizer.named("gpt2"), F32, dir);
    ObjectNode json = (ObjectNode) configJson();
    json.put("sliding_window", 4096);
    new ObjectMapper().writeValue(dir.resolve(HfExport.CONFIG).toFile(), json);
    HfError error = assertThrows(HfError.class, () -> HfImport.read(dir));
    assertTrue(error.getMessage().contains("sliding-window"), error.getMessage());
  }

  @Test
  void transformers5RopeParametersAreRead() throws IOException {
    ModelConfig model = tiny("rope-theta = 500000.0");
    HfExport.write(model, hostTensors(randomParameters(model)), Tokenizer.named("gpt2"), F32, dir);
    ObjectNode json = (ObjectNode) configJson();
    json.remove("rope_theta");
    json.putObject("rope_parameters").put("rope_type", "default").put("rope_theta", 250000.0);
    new ObjectMapper().writeValue(dir.resolve(HfExport.CONFIG).toFile(), json);
    assertEquals(250000.0, HfImport.read(dir).model().ropeTheta());
    json.with("rope_parameters").put("rope_type", "yarn");
    new ObjectMapper().writeValue(dir.resolve(HfExport.CONFIG).toFile(), json);
    HfError error = assertThrows(HfError.class, () -> HfImport.read(dir));
    assertTrue(error.getMessage().contains("rope_type 'yarn'"), error.getMessage());
  }

  private void assertRefused(ModelConfig model, String expected) {
    HfError error = assertThrows(HfError.class,
        () -> HfExport.write(model, hostTensors(randomParameters(model)), Tokenizer.named("gpt2"), F32, dir));
    assertTrue(error.getMessage().contains(expected), error.getMessage());
  }

  /** @return the parameters exported */
  private Parameters assertRoundTrip(ModelConfig model, HfArchitecture expected) throws IOException {
    Parameters params = randomParameters(model);
    assertEquals(expected, HfExport.write(model, hostTensors(params), Tokenizer.named("gpt2"), F32, dir));
    assertEquals(expected.className(), configJson().get("architectures").get(0).asText());
    HfImport.Imported imported = HfImport.read(dir);
    assertEquals(expected, imported.architecture());
    assertEquals(ModelLayout.parameterCount(model), ModelLayout.parameterCount(imported.model()));
    Parameters back = Parameters.initialize(ModelLayout.of(imported.model()), 99, manager, DataType.FLOAT32);
    for (String name : back.names()) {
      Ops.copyInto(back.get(name), HostArrays.toArray(imported.tensors().get(name), manager));
    }
    NDArray tokens = randomTokens(model.vocabSize());
    float[] before = new Transformer(model, params, manager).forward(tokens, null).logits().toFloatArray();
    float[] after = new Transformer(imported.model(), back, manager).forward(tokens, null).logits().toFloatArray();
    assertArrayEquals(before, after, 0f, "logits must be bitwise equal after export and import");
    return params;
  }

  private ModelConfig tiny(String... overrides) {
    return CohortConfig.load(TINY, Arrays.stream(overrides).map(o -> "model." + o).toList()).model();
  }

  /** Random weights, norms perturbed away from one so a mixed-up norm would show. */
  private Parameters randomParameters(ModelConfig model) {
    Parameters params = Parameters.initialize(ModelLayout.of(model), 5, manager, DataType.FLOAT32);
    for (String name : params.names()) {
      if (name.endsWith("norm.weight")) {
        Shape shape = params.get(name).getShape();
        Ops.copyInto(params.get(name), manager.randomUniform(0.5f, 1.5f, shape));
      }
    }
    return params;
  }

  private static Map<String, HostTensor> hostTensors(Parameters params) {
    Map<String, HostTensor> out = new LinkedHashMap<>();
    params.asMap().forEach((name, array) -> out.put(name, HostArrays.toHost(array)));
    return out;
  }

  private NDArray randomTokens(int vocab) {
    Random random = new Random(3);
    long[] tokens = new long[2 * 9];
    for (int i = 0; i < tokens.length; i++) tokens[i] = random.nextInt(vocab);
    return manager.create(tokens, new Shape(2, 9));
  }

  private JsonNode configJson() throws IOException {
    return new ObjectMapper().readTree(dir.resolve(HfExport.CONFIG).toFile());
  }

  private SafetensorsFile weights() throws IOException {
    return Safetensors.read(dir.resolve(HfExport.WEIGHTS));
  }
}
