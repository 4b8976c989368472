package dev.cohort.hf;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.checkpoint.Safetensors;
import dev.cohort.config.ModelConfig;
import dev.cohort.data.Tokenizer;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.model.layout.ParamSpec;
import dev.cohort.tensor.DType;
import dev.cohort.tensor.HostTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a Cohort model as a Hugging Face transformers directory: config.json, model.safetensors (the architecture's
 * parameter names, float32 or bfloat16) and the tokenizer's description, loadable with
 * {@code AutoModelForCausalLM.from_pretrained(dir)}.
 */
public final class HfExport {
  public static final String CONFIG = "config.json";
  public static final String WEIGHTS = "model.safetensors";

  /**
   * @param dtype F32 or BF16
   * @param dropless accept a capacity factor and export the dropless forward
   */
  public record Options(DType dtype, boolean dropless) {
    public Options {
      if (dtype != DType.F32 && dtype != DType.BF16) {
        throw new HfError("export dtype must be float32 or bfloat16, got " + dtype);
      }
    }
  }

  private HfExport() {}

  /**
   * @param tensors every parameter of {@code model} under Cohort's names (F32 or F64)
   * @param tok the run's tokenizer
   */
  public static HfArchitecture write(ModelConfig model, Map<String, HostTensor> tensors, Tokenizer tok,
      Options options, Path dir) throws IOException {
    HfArchitecture architecture = HfArchitecture.of(model, options.dropless());
    Files.createDirectories(dir);
    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(dir.resolve(CONFIG).toFile(),
        HfConfigJson.write(model, architecture, options.dtype(), tok.endOfText(),
            tok.beginOfText().orElse(tok.endOfText())));
    Safetensors.write(dir.resolve(WEIGHTS), hfTensors(model, tensors, architecture, options.dtype()),
        Map.of("format", "pt"));
    HfTokenizerFiles.write(tok, dir);
    return architecture;
  }

  static Map<String, HostTensor> hfTensors(ModelConfig model, Map<String, HostTensor> tensors,
      HfArchitecture architecture, DType dtype) {
    Map<String, HostTensor> out = new LinkedHashMap<>();
    for (ParamSpec spec : ModelLayout.of(model)) {
      HostTensor tensor = tensors.get(spec.name());
      if (tensor == null) throw new HfError("the checkpoint has no tensor '" + spec.name() + "'");
      out.put(HfNames.toHf(spec.name(), architecture), HostCast.convert(tensor, dtype));
      if (architecture == HfArchitecture.QWEN2_MOE && spec.name().endsWith("_proj.weight")
          && spec.name().contains(".self_attn.") && !spec.name().contains("o_proj")) {
        out.put(spec.name().replace(".weight", ".bias"), zeros(spec.shape()[0], dtype));
      }
    }
    return out;
  }

  /** Qwen2-MoE's q/k/v biases, which Cohort does not have: zeros add nothing, exactly. */
  private static HostTensor zeros(long length, DType dtype) {
    return new HostTensor(dtype, new long[] {length}, ByteBuffer.allocate(Math.toIntExact(length * dtype.byteSize())));
  }
}
