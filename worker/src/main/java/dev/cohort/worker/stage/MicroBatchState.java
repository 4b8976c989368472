package dev.cohort.worker.stage;

import ai.djl.ndarray.NDArray;
import dev.cohort.model.RecomputedLayers;

/**
 * What a forward leaves for its backward on one stage.
 *
 * @param input the received activation (a leaf whose gradient goes back upstream), null on the first stage
 * @param output the activation sent downstream, null on the last stage
 * @param objective this stage's share of the micro-batch's loss, already divided by the global micro-batch count:
 *     its router losses, plus the objective's loss on the last stage
 * @param layerInput what entered the stage's layers: the embedded tokens on the first stage, else the input
 * @param recomputed the layers to back-propagate one by one (train.recompute = layers or experts), else null
 */
record MicroBatchState(NDArray input, NDArray output, NDArray objective, NDArray layerInput,
    RecomputedLayers recomputed) {}
