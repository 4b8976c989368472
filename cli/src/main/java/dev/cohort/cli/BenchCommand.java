package dev.cohort.cli;

import picocli.CommandLine.Command;

@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks; each prints one JSON line of measured figures.",
    subcommands = {StepBenchCommand.class, MemoryBenchCommand.class, TransportBenchCommand.class,
        ExpertsBenchCommand.class,
        PipelineBenchCommand.class})
public final class BenchCommand {}
