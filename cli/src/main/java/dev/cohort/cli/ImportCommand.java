package dev.cohort.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.config.CohortConfig;
import dev.cohort.hf.HfImport;
import dev.cohort.model.layout.ModelLayout;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "import", mixinStandardHelpOptions = true,
    description = "Read a Hugging Face LLaMA / Mixtral / Qwen2-MoE directory into a new Cohort run (resolved "
        + "config.conf and a step-0 checkpoint); eval, generate and train --resume then work on it.")
public final class ImportCommand implements Callable<Integer> {
  @Option(names = "--input", paramLabel = "DIR", required = true, description = "config.json + model.safetensors")
  Path input;

  @Option(names = "--output", paramLabel = "RUN_DIR", required = true, description = "New run directory")
  Path output;

  @Mixin ConfigOptions config;

  @Override
  public Integer call() throws IOException {
    HfImport.Imported imported = HfImport.read(input);
    // The model comes from config.json; --config / --set choose everything else (data, training).
    List<String> settings = new ArrayList<>(config.overrides);
    settings.addAll(imported.modelSettings());
    CohortConfig created = RunCheckpoints.create(output, RunCheckpoints.configFor(output, config.file, settings),
        imported.tensors());
    ObjectNode out = new ObjectMapper().createObjectNode();
    out.put("input", input.toString());
    out.put("architecture", imported.architecture().className());
    out.put("parameters", ModelLayout.parameterCount(created.model()));
    out.put("run", output.toString());
    System.out.println(out);
    return 0;
  }
}
