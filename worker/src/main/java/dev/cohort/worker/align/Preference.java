package dev.cohort.worker.align;

import java.util.List;

/** A DPO example: a prompt and two responses, the preferred one first. */
public record Preference(List<Turn> prompt, String chosen, String rejected) {}
