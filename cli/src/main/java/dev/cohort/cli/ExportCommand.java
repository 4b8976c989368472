package dev.cohort.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.config.ConfigError;
import dev.cohort.data.RunTokenizer;
import dev.cohort.hf.HfArchitecture;
import dev.cohort.hf.HfExport;
import dev.cohort.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "export", mixinStandardHelpOptions = true,
    description = "Write a run's checkpoint as a Hugging Face transformers model directory (config.json, "
        + "model.safetensors, tokenizer files): LlamaForCausalLM, MixtralForCausalLM or Qwen2MoeForCausalLM.")
public final class ExportCommand implements Callable<Integer> {
  @Option(names = "--run", paramLabel = "DIR", defaultValue = "runs/default", description = "Run directory")
  Path run;

  @Option(names = "--checkpoint", paramLabel = "STEP", description = "Checkpoint step (default: the newest)")
  Long step;

  @Option(names = "--format", defaultValue = "hf", description = "hf (the only format)")
  String format;

  @Option(names = "--output", paramLabel = "DIR", required = true, description = "New directory to write")
  Path output;

  @Option(names = "--dtype", defaultValue = "float32", description = "float32 or bfloat16")
  String dtype;

  @Option(names = "--dropless", description = "Export a model trained with a capacity factor as dropless MoE")
  boolean dropless;

  @Override
  public Integer call() throws IOException {
    if (!format.equals("hf")) throw new ConfigError("--format", "only 'hf' is supported, got '" + format + "'");
    DType type = switch (dtype) {
      case "float32" -> DType.F32;
      case "bfloat16" -> DType.BF16;
      default -> throw new ConfigError("--dtype", "must be float32 or bfloat16, got '" + dtype + "'");
    };
    if (Files.exists(output)) throw new ConfigError("--output", output + " already exists: choose a new directory");
    RunCheckpoints.Saved saved = RunCheckpoints.read(run, step);
    HfArchitecture architecture = HfExport.write(saved.config().model(), saved.tensors(),
        RunTokenizer.of(saved.config().data()), new HfExport.Options(type, dropless), output);
    ObjectNode out = new ObjectMapper().createObjectNode();
    out.put("run", run.toString());
    out.put("checkpoint_step", saved.step());
    out.put("architecture", architecture.className());
    out.put("dtype", dtype);
    out.put("output", output.toString());
    System.out.println(out);
    return 0;
  }
}
