package dev.vidgen.api;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * What to generate. Immutable; build it with {@link #builder()}:
 *
 * <pre>{@code
 * GenerationRequest r = GenerationRequest.builder()
 *     .prompt("an astronaut riding a horse")
 *     .frames(16)
 *     .seed(42)
 *     .build();
 * }</pre>
 *
 * <p>Every field left unset ({@code null}) takes the model family's default (ModelScope: 256×256, 16 frames,
 * 50 steps, guidance 9.0, 8 fps; SVD-XT: 1024×576, 25 frames, ...), never a number hard-coded in the core. A
 * request is checked twice: each setter validates its own argument, and the pipeline checks what depends on the
 * model (e.g. height divisible by the VAE scale factor).
 *
 * @param prompt the text to follow; may be empty for image-to-video families
 * @param negativePrompt what to steer away from (classifier-free guidance's unconditional branch); null = ""
 * @param frames number of frames
 * @param height frame height in pixels
 * @param width frame width in pixels
 * @param steps number of denoising steps
 * @param guidanceScale classifier-free guidance scale; 1 or less disables guidance
 * @param seed seed of the initial noise (drawn as diffusers draws it on CPU); null = a random seed, reported in
 *     {@link Video#info()}
 * @param eta DDIM's eta (0 = deterministic)
 * @param initialLatents initial latents given directly instead of drawn from the seed
 * @param fps frame rate of the video (and a conditioning input of some families)
 * @param image the conditioning image of image-to-video families
 * @param imageUri the conditioning image by address ({@code https:} URL or {@code data:} URI), for remote models
 *     whose service fetches it itself; local models refuse it (give {@code image} instead)
 * @param motionBucketId SVD: amount of motion
 * @param noiseAugStrength SVD: noise added to the conditioning image
 * @param decodeChunkSize frames decoded at once by the VAE
 * @param minGuidanceScale SVD: guidance at the first frame
 * @param maxGuidanceScale SVD: guidance at the last frame
 * @param guidanceRescale guidance rescale factor (LTX-Video)
 * @param maxSequenceLength text tokens the prompt is padded/truncated to (T5-based families; LTX-Video: 128)
 * @param decodeTimestep LTX-Video 0.9.1: the timestep of the timestep-conditioned VAE decoder
 * @param decodeNoiseScale LTX-Video 0.9.1: the share of fresh noise mixed into the latents before decoding; null =
 *     {@code decodeTimestep}
 * @param listener receives a {@link StepEvent} after every step
 * @param cancellation cooperative cancellation, checked between steps
 * @param recorder receives intermediate tensors ({@code vidgen check}); normally {@link StageRecorder#NONE}
 */
public record GenerationRequest(
    String prompt,
    String negativePrompt,
    Integer frames,
    Integer height,
    Integer width,
    Integer steps,
    Double guidanceScale,
    Long seed,
    Double eta,
    HostTensor initialLatents,
    Integer fps,
    BufferedImage image,
    URI imageUri,
    Integer motionBucketId,
    Double noiseAugStrength,
    Integer decodeChunkSize,
    Double minGuidanceScale,
    Double maxGuidanceScale,
    Double guidanceRescale,
    Integer maxSequenceLength,
    Double decodeTimestep,
    Double decodeNoiseScale,
    ProgressListener listener,
    CancellationToken cancellation,
    StageRecorder recorder) {

  public GenerationRequest {
    listener = listener == null ? ProgressListener.NONE : listener;
    cancellation = cancellation == null ? new CancellationToken() : cancellation;
    recorder = recorder == null ? StageRecorder.NONE : recorder;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder preset with this request's values, to derive a variant. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.prompt = prompt;
    b.negativePrompt = negativePrompt;
    b.frames = frames;
    b.height = height;
    b.width = width;
    b.steps = steps;
    b.guidanceScale = guidanceScale;
    b.seed = seed;
    b.eta = eta;
    b.initialLatents = initialLatents;
    b.fps = fps;
    b.image = image;
    b.imageUri = imageUri;
    b.motionBucketId = motionBucketId;
    b.noiseAugStrength = noiseAugStrength;
    b.decodeChunkSize = decodeChunkSize;
    b.minGuidanceScale = minGuidanceScale;
    b.maxGuidanceScale = maxGuidanceScale;
    b.guidanceRescale = guidanceRescale;
    b.maxSequenceLength = maxSequenceLength;
    b.decodeTimestep = decodeTimestep;
    b.decodeNoiseScale = decodeNoiseScale;
    b.listener = listener;
    b.cancellation = cancellation;
    b.recorder = recorder;
    return b;
  }

  /** Builds a {@link GenerationRequest}; every setter checks its argument at once. */
  public static final class Builder {
    private String prompt = "";
    private String negativePrompt;
    private Integer frames;
    private Integer height;
    private Integer width;
    private Integer steps;
    private Double guidanceScale;
    private Long seed;
    private Double eta;
    private HostTensor initialLatents;
    private Integer fps;
    private BufferedImage image;
    private URI imageUri;
    private Integer motionBucketId;
    private Double noiseAugStrength;
    private Integer decodeChunkSize;
    private Double minGuidanceScale;
    private Double maxGuidanceScale;
    private Double guidanceRescale;
    private Integer maxSequenceLength;
    private Double decodeTimestep;
    private Double decodeNoiseScale;
    private ProgressListener listener;
    private CancellationToken cancellation;
    private StageRecorder recorder;

    private Builder() {}

    public Builder prompt(String prompt) {
      this.prompt = checkNotNull(prompt, "prompt must not be null (use \"\" for none)");
      return this;
    }

    public Builder negativePrompt(String negativePrompt) {
      this.negativePrompt = negativePrompt;
      return this;
    }

    public Builder frames(int frames) {
      checkArgument(frames >= 1, "frames must be >= 1 but was %s", frames);
      this.frames = frames;
      return this;
    }

    public Builder height(int height) {
      checkArgument(height >= 8, "height must be >= 8 but was %s", height);
      this.height = height;
      return this;
    }

    public Builder width(int width) {
      checkArgument(width >= 8, "width must be >= 8 but was %s", width);
      this.width = width;
      return this;
    }

    public Builder size(int width, int height) {
      return width(width).height(height);
    }

    public Builder steps(int steps) {
      checkArgument(steps >= 1 && steps <= 1000, "steps must be in [1, 1000] but was %s", steps);
      this.steps = steps;
      return this;
    }

    public Builder guidanceScale(double guidanceScale) {
      checkArgument(Double.isFinite(guidanceScale) && guidanceScale >= 0,
          "guidanceScale must be a finite number >= 0 but was %s", guidanceScale);
      this.guidanceScale = guidanceScale;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder eta(double eta) {
      checkArgument(eta >= 0 && eta <= 1, "eta must be in [0, 1] but was %s", eta);
      this.eta = eta;
      return this;
    }

    public Builder initialLatents(HostTensor latents) {
      this.initialLatents = checkNotNull(latents, "initialLatents");
      return this;
    }

    public Builder fps(int fps) {
      checkArgument(fps >= 1 && fps <= 240, "fps must be in [1, 240] but was %s", fps);
      this.fps = fps;
      return this;
    }

    public Builder image(BufferedImage image) {
      this.image = checkNotNull(image, "image");
      return this;
    }

    /** Reads the conditioning image from a file (PNG, JPEG, BMP, GIF). */
    public Builder image(Path path) {
      checkNotNull(path, "image path");
      checkArgument(Files.isRegularFile(path), "image file %s does not exist", path);
      try {
        BufferedImage img = ImageIO.read(path.toFile());
        checkArgument(img != null, "image file %s is not an image format Java can read (PNG, JPEG, BMP, GIF)",
            path);
        this.image = img;
      } catch (IOException e) {
        throw new UncheckedIOException("could not read image file " + path, e);
      }
      return this;
    }

    /**
     * The conditioning image by address, for remote models (their service downloads it): an {@code https:} URL, or a
     * {@code data:} URI such as {@code data:image/png;base64,...}. Local models need {@link #image(BufferedImage)}.
     */
    public Builder imageUri(URI imageUri) {
      checkNotNull(imageUri, "imageUri");
      String scheme = imageUri.getScheme();
      checkArgument("https".equalsIgnoreCase(scheme) || "data".equalsIgnoreCase(scheme),
          "imageUri must be an https: URL or a data: URI but was a %s URI",
          scheme == null ? "relative" : "'" + scheme + ":'");
      this.imageUri = imageUri;
      return this;
    }

    public Builder motionBucketId(int motionBucketId) {
      checkArgument(motionBucketId >= 0 && motionBucketId <= 1023,
          "motionBucketId must be in [0, 1023] but was %s", motionBucketId);
      this.motionBucketId = motionBucketId;
      return this;
    }

    public Builder noiseAugStrength(double noiseAugStrength) {
      checkArgument(noiseAugStrength >= 0 && noiseAugStrength <= 10,
          "noiseAugStrength must be in [0, 10] but was %s", noiseAugStrength);
      this.noiseAugStrength = noiseAugStrength;
      return this;
    }

    public Builder decodeChunkSize(int decodeChunkSize) {
      checkArgument(decodeChunkSize >= 1, "decodeChunkSize must be >= 1 but was %s", decodeChunkSize);
      this.decodeChunkSize = decodeChunkSize;
      return this;
    }

    public Builder minGuidanceScale(double v) {
      checkArgument(Double.isFinite(v) && v >= 0, "minGuidanceScale must be >= 0 but was %s", v);
      this.minGuidanceScale = v;
      return this;
    }

    public Builder maxGuidanceScale(double v) {
      checkArgument(Double.isFinite(v) && v >= 0, "maxGuidanceScale must be >= 0 but was %s", v);
      this.maxGuidanceScale = v;
      return this;
    }

    public Builder guidanceRescale(double v) {
      checkArgument(v >= 0 && v <= 1, "guidanceRescale must be in [0, 1] but was %s", v);
      this.guidanceRescale = v;
      return this;
    }

    public Builder maxSequenceLength(int maxSequenceLength) {
      checkArgument(maxSequenceLength >= 1, "maxSequenceLength must be >= 1 but was %s", maxSequenceLength);
      this.maxSequenceLength = maxSequenceLength;
      return this;
    }

    public Builder decodeTimestep(double v) {
      checkArgument(Double.isFinite(v) && v >= 0 && v <= 1, "decodeTimestep must be in [0, 1] but was %s", v);
      this.decodeTimestep = v;
      return this;
    }

    public Builder decodeNoiseScale(double v) {
      checkArgument(Double.isFinite(v) && v >= 0 && v <= 1, "decodeNoiseScale must be in [0, 1] but was %s", v);
      this.decodeNoiseScale = v;
      return this;
    }

    public Builder onStep(ProgressListener listener) {
      this.listener = checkNotNull(listener, "listener");
      return this;
    }

    public Builder cancellation(CancellationToken token) {
      this.cancellation = checkNotNull(token, "cancellation");
      return this;
    }

    public Builder recorder(StageRecorder recorder) {
      this.recorder = checkNotNull(recorder, "recorder");
      return this;
    }

    /** Checks the rules between fields and builds the request. */
    public GenerationRequest build() {
      checkArgument(image == null || imageUri == null, "set image or imageUri, not both");
      if (minGuidanceScale != null && maxGuidanceScale != null) {
        checkArgument(minGuidanceScale <= maxGuidanceScale,
            "minGuidanceScale %s must not exceed maxGuidanceScale %s", minGuidanceScale, maxGuidanceScale);
      }
      return new GenerationRequest(prompt, negativePrompt, frames, height, width, steps, guidanceScale, seed, eta,
          initialLatents, fps, image, imageUri, motionBucketId, noiseAugStrength, decodeChunkSize, minGuidanceScale,
          maxGuidanceScale, guidanceRescale, maxSequenceLength, decodeTimestep, decodeNoiseScale, listener,
          cancellation, recorder);
    }
  }
}
