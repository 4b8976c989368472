package dev.cohort.cli;

import picocli.CommandLine.Command;

@Command(name = "tokenizer", mixinStandardHelpOptions = true,
    description = "Tokenizers: train a byte-level BPE on a corpus.",
    subcommands = {TokenizerTrainCommand.class})
public final class TokenizerCommand {}
