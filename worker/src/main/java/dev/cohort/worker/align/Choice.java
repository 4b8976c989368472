package dev.cohort.worker.align;

import java.util.List;

/** A multiple-choice question: a prompt, the candidate responses, and the right one (one of the candidates). */
public record Choice(List<Turn> prompt, List<String> candidates, String answer) {}
