package dev.vidgen.api;

import java.time.Duration;

/**
 * One denoising step finished. Immutable; carries no tensors.
 *
 * @param step the 1-based number of the step that just finished
 * @param total the number of steps of the run
 * @param elapsed wall time since the run started (prompt encoding included)
 */
public record StepEvent(int step, int total, Duration elapsed) {}
