package dev.vidgen.spi;

/**
 * A model's defaults for the request fields a user may leave unset, and its size constraints.
 *
 * @param width default width in pixels
 * @param height default height
 * @param frames default frame count
 * @param steps default denoising steps
 * @param guidanceScale default guidance scale
 * @param fps default frame rate
 * @param sizeMultiple height and width must be multiples of this (the VAE scale factor, or the patch size)
 * @param sizeMultipleReason where the multiple comes from, for messages (e.g. "vae_scale_factor")
 */
public record GenerationDefaults(int width, int height, int frames, int steps, double guidanceScale, int fps,
    int sizeMultiple, String sizeMultipleReason) {}
