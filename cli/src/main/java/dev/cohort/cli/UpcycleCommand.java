package dev.cohort.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.cohort.config.CohortConfig;
import dev.cohort.config.ConfigError;
import dev.cohort.config.ModelConfig;
import dev.cohort.model.Upcycling;
import dev.cohort.model.layout.ModelLayout;
import dev.cohort.run.RunDirectory;
import dev.cohort.tensor.HostTensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "upcycle", mixinStandardHelpOptions = true,
    description = "Build an MoE run from a dense run's checkpoint: every expert a copy of the dense MLP (copy) or "
        + "its neurons split into experts (split); routers freshly initialised from --seed.")
public final class UpcycleCommand implements Callable<Integer> {
  @Option(names = "--run", paramLabel = "DENSE_RUN", required = true, description = "A dense run (num-experts = 0)")
  Path run;

  @Option(names = "--checkpoint", paramLabel = "STEP", description = "Checkpoint step (default: the newest)")
  Long step;

  @Option(names = "--output", paramLabel = "RUN_DIR", required = true, description = "New run directory")
  Path output;

  @Option(names = "--method", defaultValue = "copy", description = "copy or split")
  String method;

  @Option(names = "--experts", required = true, description = "Routed experts per MoE layer") int experts;

  @Option(names = "--topk", required = true, description = "Experts per token") int topK;

  @Option(names = "--seed", defaultValue = "1337", description = "Seed of the routers' init") long seed;

  @Option(names = "--router-std", paramLabel = "STD",
      description = "Std of the routers' normal init (default: model.init-std); 0 routes uniformly")
  Double routerStd;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Override a setting of the new run (e.g. moe.first-dense-layers=1, train.steps=100)")
  List<String> overrides = new ArrayList<>();

  @Override
  public Integer call() throws IOException {
    Upcycling.Method chosen = switch (method) {
      case "copy" -> Upcycling.Method.COPY;
      case "split" -> Upcycling.Method.SPLIT;
      default -> throw new ConfigError("--method", "must be copy or split, got '" + method + "'");
    };
    RunCheckpoints.Saved dense = RunCheckpoints.read(run, step);
    List<String> settings = new ArrayList<>();
    try {
      settings.addAll(Upcycling.moeSettings(dense.config().model(), chosen, experts, topK));
    } catch (IllegalArgumentException e) {
      throw new ConfigError("--experts", e.getMessage());
    }
    settings.addAll(overrides);
    // The dense run's recorded config is the base: the new run differs in its MoE blocks and what --set says.
    Config hocon = RunCheckpoints.configFor(output, new RunDirectory(run).config(), settings);
    ModelConfig target = CohortConfig.fromHocon(hocon).model();
    double std = routerStd == null ? dense.config().model().initStd() : routerStd;
    Map<String, HostTensor> tensors = Upcycling.upcycle(dense.config().model(), dense.tensors(), target, chosen, std,
        seed);
    CohortConfig created = RunCheckpoints.create(output, hocon, tensors);
    ObjectNode out = new ObjectMapper().createObjectNode();
    out.put("dense_run", run.toString());
    out.put("checkpoint_step", dense.step());
    out.put("method", chosen.name().toLowerCase(Locale.ROOT));
    out.put("parameters", ModelLayout.parameterCount(created.model()));
    out.put("active_parameters", ModelLayout.activeParameterCount(created.model()));
    out.put("run", output.toString());
    System.out.println(out);
    return 0;
  }
}
