package dev.vidgen.spi;

import java.util.List;

/**
 * A name users can load: an alias and the Hugging Face repositories it stands for.
 *
 * @param alias the short id, e.g. {@code zeroscope-v2-576w}
 * @param repoIds Hugging Face repository ids, preferred first (e.g. {@code ali-vilab/text-to-video-ms-1.7b})
 * @param description one line for {@code vidgen models}
 * @param note what a user must know (e.g. "repository ships .bin files only"), or empty
 */
public record ModelVariant(String alias, List<String> repoIds, String description, String note) {
  public ModelVariant {
    repoIds = List.copyOf(repoIds);
    note = note == null ? "" : note;
  }
}
