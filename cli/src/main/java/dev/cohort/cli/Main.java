package dev.cohort.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** ./cohort: one launcher for every role and tool. Bad input ends in one line "error: ..." and exit code 2. */
@Command(
    name = "cohort",
    mixinStandardHelpOptions = true,
    version = "cohort 0.1.0",
    description = "Trains Mixture-of-Experts language models across JVM workers.",
    subcommands = {
      PrepareCommand.class,
      TokenizerCommand.class,
      TrainCommand.class,
      EvalCommand.class,
      TaskCommand.class,
      AccuracyCommand.class,
      GenerateCommand.class,
      ExportCommand.class,
      ImportCommand.class,
      UpcycleCommand.class,
      BenchCommand.class,
      CoordinatorCommand.class,
      WorkerCommand.class,
      StatusCommand.class,
      DoctorCommand.class,
    })
public final class Main {
  public static final int EXIT_BAD_INPUT = 2;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler((error, commandLine, parseResult) -> {
      if (UserErrors.isUserError(error)) {
        commandLine.getErr().println("error: " + error.getMessage());
        return EXIT_BAD_INPUT;
      }
      throw error;
    });
    return cli;
  }
}
