package dev.cohort.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The one typed source of truth for a run: the "cohort" section of HOCON, defaults in reference.conf, validated once
 * on load. Code never reads HOCON keys itself; it reads these records.
 */
public record CohortConfig(
    RunConfig run,
    ModelConfig model,
    DataConfig data,
    TrainConfig train,
    ParallelConfig parallel,
    CheckpointConfig checkpoint,
    ClusterConfig cluster,
    MetricsConfig metrics,
    RecipeConfig recipe) {

  public static final String ROOT = "cohort";

  /** reference.conf alone: the embedded default run. */
  public static CohortConfig defaults() {
    return load(null, List.of());
  }

  /**
   * Loads {@code file} (may be null for the defaults) over reference.conf, applies {@code overrides} (HOCON lines such
   * as {@code "train.steps = 10"}, relative to the cohort section), and validates the result.
   */
  public static CohortConfig load(Path file, List<String> overrides) {
    return fromHocon(hocon(file, overrides));
  }

  /** The merged HOCON (cohort section only) before it is bound to records: what a run directory records. */
  public static Config hocon(Path file, List<String> overrides) {
    Config merged = ConfigFactory.empty();
    try {
      for (String line : overrides) { // a later override wins, as with repeated --set on a command line
        merged = ConfigFactory.parseString(line).atPath(ROOT).withFallback(merged);
      }
      if (file != null) {
        if (!Files.isRegularFile(file)) throw new ConfigError("config file not found: " + file, (Throwable) null);
        merged = merged.withFallback(ConfigFactory.parseFile(file.toFile(),
            ConfigParseOptions.defaults().setAllowMissing(false)));
      }
      Config reference = ConfigFactory.parseResources(CohortConfig.class.getClassLoader(), "reference.conf");
      return merged.withFallback(reference).resolve(ConfigResolveOptions.defaults()).getConfig(ROOT);
    } catch (ConfigException e) {
      throw new ConfigError("cannot read config" + (file == null ? "" : " " + file) + ": " + e.getMessage(), e);
    }
  }

  /** Binds an already merged cohort section to records and validates it. */
  public static CohortConfig fromHocon(Config cohort) {
    CohortConfig config;
    try {
      rejectUnknownSections(cohort);
      config = new CohortConfig(
          bind(cohort, "run", RunConfig.class),
          bindModel(cohort.getConfig("model")),
          bindData(cohort.getConfig("data")),
          bindTrain(cohort.getConfig("train")),
          bind(cohort, "parallel", ParallelConfig.class),
          bind(cohort, "checkpoint", CheckpointConfig.class),
          bindCluster(cohort.getConfig("cluster")),
          bind(cohort, "metrics", MetricsConfig.class),
          bindRecipe(cohort.getConfig("recipe")));
    } catch (ConfigException e) {
      throw new ConfigError("invalid config: " + e.getMessage(), e);
    }
    config.validate();
    return config;
  }

  /** Renders the cohort section as HOCON, for the run directory and for shipping the config to workers. */
  public static String render(Config cohort) {
    return cohort.atPath(ROOT).root().render(ConfigRenderOptions.defaults().setOriginComments(false).setJson(false));
  }

  private void validate() {
    run.validate(ROOT + ".run");
    model.validate(ROOT + ".model");
    data.validate(ROOT + ".data");
    train.validate(ROOT + ".train");
    parallel.validate(ROOT + ".parallel");
    checkpoint.validate(ROOT + ".checkpoint");
    cluster.validate(ROOT + ".cluster");
    metrics.validate(ROOT + ".metrics");
    recipe.validate(ROOT + ".recipe");
    Check.that(train.gradAccumSteps() % parallel.dp() == 0, ROOT + ".train.grad-accum-steps",
        "must be a multiple of parallel.dp=" + parallel.dp() + " (each replica runs an equal share of the "
            + "micro-batches), got " + train.gradAccumSteps());
    MoeConfig moe = model.moe();
    Check.that(!model.cdmoe().enabled() || parallel.ep() == 1, ROOT + ".parallel.ep",
        "must be 1 with model.cdmoe (its private experts are retrieved per token from the whole pool and are not "
            + "spread over expert-parallel ranks), got " + parallel.ep());
    Check.that(moe.maxGroupsPerToken() == 0 || moe.expertGroups() % parallel.ep() == 0,
        ROOT + ".model.moe.expert-groups", "must be a multiple of parallel.ep=" + parallel.ep()
            + " with max-groups-per-token > 0 (each group on one expert-parallel rank, so a token reaches at most "
            + "max-groups-per-token ranks), got " + moe.expertGroups());
    Check.that(data.seqLen() <= model.maxSeqLen(), ROOT + ".data.seq-len",
        "must be <= model.max-seq-len=" + model.maxSeqLen() + ", got " + data.seqLen());
  }

  private static ModelConfig bindModel(Config model) {
    Config moeKeys = model.getConfig("moe");
    RouterConfig router = RecordBinder.bind(moeKeys.getConfig("router"), RouterConfig.class);
    MoeConfig moe = RecordBinder.bind(moeKeys.withoutPath("router"), MoeConfig.class, router);
    LoopConfig loop = RecordBinder.bind(model.getConfig("loop"), LoopConfig.class);
    CdmoeConfig cdmoe = RecordBinder.bind(model.getConfig("cdmoe"), CdmoeConfig.class);
    return RecordBinder.bind(model.withoutPath("moe").withoutPath("loop").withoutPath("cdmoe"), ModelConfig.class, moe,
        loop, cdmoe);
  }

  private static DataConfig bindData(Config data) {
    List<DataSourceConfig> sources = data.getConfigList("sources").stream()
        .map(source -> RecordBinder.bind(source, DataSourceConfig.class)).toList();
    return RecordBinder.bind(data.withoutPath("sources"), DataConfig.class, sources);
  }

  private static TrainConfig bindTrain(Config train) {
    LossScaleConfig lossScale = RecordBinder.bind(train.getConfig("loss-scale"), LossScaleConfig.class);
    return RecordBinder.bind(train.withoutPath("loss-scale"), TrainConfig.class, lossScale);
  }

  private static ClusterConfig bindCluster(Config cluster) {
    TlsConfig tls = RecordBinder.bind(cluster.getConfig("tls"), TlsConfig.class);
    return RecordBinder.bind(cluster.withoutPath("tls"), ClusterConfig.class, tls);
  }

  private static RecipeConfig bindRecipe(Config recipe) {
    ChatTemplateConfig template = RecordBinder.bind(recipe.getConfig("template"), ChatTemplateConfig.class);
    DpoConfig dpo = RecordBinder.bind(recipe.getConfig("dpo"), DpoConfig.class);
    return RecordBinder.bind(recipe.withoutPath("template").withoutPath("dpo"), RecipeConfig.class, template, dpo);
  }

  /** A misplaced key (--set cohort.train.steps=9 makes cohort.cohort.train...) must fail, not vanish. */
  private static void rejectUnknownSections(Config cohort) {
    Set<String> known = new TreeSet<>();
    for (RecordComponent c : CohortConfig.class.getRecordComponents()) known.add(c.getName());
    for (String key : cohort.root().keySet()) {
      if (!known.contains(key)) {
        throw new ConfigException.BadPath(cohort.origin().description(), "unknown section '" + ROOT + "." + key
            + "' (keys given with --set are relative to the cohort section); known sections: " + known);
      }
    }
  }

  private static <T extends Record> T bind(Config cohort, String section, Class<T> type) {
    return RecordBinder.bind(cohort.getConfig(section), type);
  }
}
