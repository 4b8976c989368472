package dev.cohort.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.checkpoint.Safetensors;
import dev.cohort.checkpoint.SafetensorsFile;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.ModelConfig;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.model.layout.ParamNames;
import dev.cohort.model.layout.ParamSpec;
import dev.cohort.tensor.DType;
import dev.cohort.tensor.HostTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a Hugging Face LLaMA / Mixtral / Qwen2-MoE directory (config.json and model.safetensors, or shards listed in
 * model.safetensors.index.json) into Cohort's model settings and float32 tensors under Cohort's names.
 */
public final class HfImport {
  static final String INDEX = "model.safetensors.index.json";

  /**
   * @param modelSettings "model.key = value" lines for --set / a run's config
   * @param tensors every parameter of {@code model}, float32, under Cohort's names
   */
  public record Imported(HfArchitecture architecture, List<String> modelSettings, ModelConfig model,
      Map<String, HostTensor> tensors) {}

  private HfImport() {}

  public static Imported read(Path dir) throws IOException {
    Path configFile = dir.resolve(HfExport.CONFIG);
    if (!Files.isRegularFile(configFile)) throw new HfError("no " + HfExport.CONFIG + " in " + dir);
    JsonNode json = new ObjectMapper().readTree(configFile.toFile());
    HfArchitecture architecture = HfConfigReader.architectureOf(json);
    List<String> settings = HfConfigReader.read(json);
    ModelConfig model = CohortConfig.load(null, settings).model();
    Map<String, HostTensor> hf = tensors(dir);
    return new Imported(architecture, settings, model, ours(model, architecture, hf));
  }

  /** Every expected tensor, renamed and widened; anything left over (but zero biases and a tied head) is refused. */
  private static Map<String, HostTensor> ours(ModelConfig model, HfArchitecture architecture,
      Map<String, HostTensor> hf) {
    Set<String> unused = new LinkedHashSet<>(hf.keySet());
    Map<String, HostTensor> out = new LinkedHashMap<>();
    Map<String, ParamSpec> expected = new LinkedHashMap<>();
    for (ParamSpec spec : ModelLayout.of(model)) expected.put(spec.name(), spec);
    for (String name : hf.keySet()) {
      int layer = HfNames.layerOf(name);
      String mine = HfNames.fromHf(name, architecture, layer >= 0 && model.moe().isMoeLayer(layer));
      ParamSpec spec = expected.get(mine);
      if (spec == null) continue;
      HostTensor tensor = hf.get(name);
      if (!Arrays.equals(spec.shape(), tensor.shape())) {
        throw new HfError("'" + name + "' has shape " + Arrays.toString(tensor.shape()) + ", config.json implies "
            + Arrays.toString(spec.shape()));
      }
      out.put(mine, HostCast.convert(tensor, DType.F32));
      unused.remove(name);
    }
    for (String name : expected.keySet()) {
      if (!out.containsKey(name)) throw new HfError("model.safetensors has no tensor for '" + name + "'");
    }
    for (String name : unused) requireIgnorable(name, hf.get(name), model);
    return out;
  }

  /** Qwen2-MoE's q/k/v biases may be present if they are zero; a tied model's saved head is the embedding. */
  private static void requireIgnorable(String name, HostTensor tensor, ModelConfig model) {
    if (name.equals(ParamNames.LM_HEAD) && model.tieEmbeddings()) return;
    if (name.endsWith("_proj.bias")) {
      for (float v : HostCast.floats(tensor)) {
        if (v != 0) throw new HfError("'" + name + "' is not zero: Cohort's attention has no biases");
      }
      return;
    }
    throw new HfError("unexpected tensor '" + name + "': no Cohort parameter corresponds to it");
  }

  private static Map<String, HostTensor> tensors(Path dir) throws IOException {
    Map<String, HostTensor> out = new LinkedHashMap<>();
    Path index = dir.resolve(INDEX);
    List<Path> files;
    if (Files.isRegularFile(index)) {
      Set<String> shards = new LinkedHashSet<>();
      new ObjectMapper().readTree(index.toFile()).path("weight_map").forEach(n -> shards.add(n.asText()));
      files = shards.stream().map(dir::resolve).toList();
    } else {
      files = List.of(dir.resolve(HfExport.WEIGHTS));
    }
    for (Path file : files) {
      if (!Files.isRegularFile(file)) throw new HfError("missing weights file " + file);
      SafetensorsFile reader = Safetensors.read(file);
      for (String name : reader.names()) out.put(name, reader.tensor(name));
    }
    return out;
  }
}
