/**
 * {@link dev.vidgen.spi.VideoWriter} implementations, found by {@link dev.vidgen.api.Video#save(java.nio.file.Path)}
 * through {@link java.util.ServiceLoader}:
 *
 * <ul>
 *   <li>{@link dev.vidgen.codec.Mp4Writer} ({@code .mp4}): H.264 Constrained Baseline in pure Java (JCodec),
 *       BT.601 limited range, fast-start layout, plays in browsers.
 *   <li>{@link dev.vidgen.codec.GifWriter} ({@code .gif}): animated, looping, one median-cut palette per clip,
 *       Floyd–Steinberg, ordered or no dithering.
 *   <li>{@link dev.vidgen.codec.PngFramesWriter} (a path without extension): a folder of {@code frame_0000.png}
 *       ...; as a stream, a ZIP of the same files.
 * </ul>
 *
 * <p>All writers publish atomically (a temporary file or folder beside the target, then a rename), replace an
 * existing target only with {@link dev.vidgen.api.SaveOptions#overwrite()}, clamp values outside [0, 1] (NaN to 0)
 * with one warning per write, and never close a caller's stream.
 *
 * <p>The other way, {@link dev.vidgen.codec.Mp4Reader} decodes an H.264 {@code .mp4} (from a remote generation
 * service, say) into a {@link dev.vidgen.api.Video}.
 */
package dev.vidgen.codec;
