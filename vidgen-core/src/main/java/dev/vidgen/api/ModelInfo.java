package dev.vidgen.api;

import java.util.List;

/**
 * A model users can load by name, as listed by {@link VideoPipeline#models()}.
 *
 * @param family the provider id (e.g. {@code modelscope})
 * @param alias the name to load (e.g. {@code zeroscope-v2-576w})
 * @param repoIds the Hugging Face repositories it stands for
 * @param description one line
 * @param note what a user must know, or empty
 * @param pipelineClasses diffusers pipeline classes the family runs
 */
public record ModelInfo(String family, String alias, List<String> repoIds, String description, String note,
    List<String> pipelineClasses) {}
