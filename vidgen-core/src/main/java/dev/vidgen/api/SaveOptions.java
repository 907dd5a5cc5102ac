package dev.vidgen.api;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * How {@link Video#save(java.nio.file.Path, SaveOptions)} writes.
 *
 * @param overwrite replace an existing file (never done unless asked)
 * @param quality encoder quality in [0, 100] (MP4: mapped to a constant quantiser; higher is better)
 * @param keyframeInterval MP4: a key frame every this many frames
 */
public record SaveOptions(boolean overwrite, int quality, int keyframeInterval) {
  public static final SaveOptions DEFAULT = new SaveOptions(false, 80, 25);

  public SaveOptions {
    checkArgument(quality >= 0 && quality <= 100, "quality must be in [0, 100] but was %s", quality);
    checkArgument(keyframeInterval >= 1, "keyframeInterval must be >= 1 but was %s", keyframeInterval);
  }

  public SaveOptions withOverwrite(boolean overwrite) {
    return new SaveOptions(overwrite, quality, keyframeInterval);
  }

  public SaveOptions withQuality(int quality) {
    return new SaveOptions(overwrite, quality, keyframeInterval);
  }

  public SaveOptions withKeyframeInterval(int keyframeInterval) {
    return new SaveOptions(overwrite, quality, keyframeInterval);
  }
}
