package dev.cohort.worker.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

/** The Pekko config both JVMs of the benchmark run with: cohort-pekko.conf plus the benchmark's settings. */
final class TransportBenchConfig {
  private TransportBenchConfig() {}

  static final String RESOURCE = "cohort-transport-bench.conf";

  static Config load() {
    Config config = ConfigFactory.parseResources(RESOURCE);
    if (config.isEmpty()) throw new IllegalStateException(RESOURCE + " is not on the class path");
    return config.resolve();
  }
}
