package dev.vidgen.examples.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.vidgen.examples.train.MovingShapes.Clip;
import dev.vidgen.examples.train.MovingShapes.Subject;
import dev.vidgen.models.autoencoders.AutoencoderKL;
import dev.vidgen.models.autoencoders.AutoencoderKLConfig;
import dev.vidgen.models.modelscope.TextToVideoSDPipeline;
import dev.vidgen.models.modelscope.UNet3DConditionModel;
import dev.vidgen.models.modelscope.UNet3DConfig;
import dev.vidgen.nn.Ops;
import dev.vidgen.text.CLIPTextConfig;
import dev.vidgen.text.CLIPTextModel;
import dev.vidgen.text.ClipTokenizer;
import dev.vidgen.weights.RandomWeights;
import dev.vidgen.weights.SafetensorsWriter;
import dev.vidgen.weights.TensorDType;
import dev.vidgen.weights.WeightLoader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains the embedded {@code demo} model from scratch, with vidgen's own model code and DJL's autograd, and writes
 * it as a diffusers-format {@code TextToVideoSDPipeline} folder.
 *
 * <ol>
 *   <li>Writes the tokenizer folder ({@link DemoTokenizer}) and the component configs ({@link DemoArchitecture}).
 *   <li>Trains the {@code AutoencoderKL} on single frames of {@link MovingShapes} clips: L1 reconstruction of a
 *       latent sampled with the reparameterisation trick, plus a small KL term; then sets {@code scaling_factor} to
 *       1 / (standard deviation of the latents), as Stable Diffusion's 0.18215 was chosen.
 *   <li>Trains the {@code UNet3DConditionModel} together with the {@code CLIPTextModel} on whole clips, with DDPM's
 *       epsilon-prediction objective (Ho et al., 2020, eq. 14) under ModelScope's scaled-linear noise schedule;
 *       the caption is replaced by the empty prompt 10% of the time, so that classifier-free guidance works.
 *   <li>Saves the exponential moving averages of the weights, then samples a few captions to report a score.
 * </ol>
 *
 * <p>Every model is built on {@code new WeightLoader(new RandomWeights(seed), ...)} and trained in place through
 * {@link WeightLoader#parameters()}, so the saved tensors carry exactly the diffusers names the loaders ask for.
 * Runs on the CPU with one intra-op thread by default: on a small shared machine OpenMP's spinning threads make two
 * threads several times slower than one. With one thread the run is deterministic for a seed.
 */
public final class TrainDemo {

  /**
   * @param out the diffusers folder to write (created; must not exist unless {@code overwrite})
   * @param seed seeds the initial weights, the data and the noise
   * @param vaeSteps VAE optimisation steps
   * @param vaeBatch frames per VAE step
   * @param vaeLr VAE peak learning rate
   * @param unetSteps UNet + text encoder optimisation steps
   * @param unetBatch clips per UNet step
   * @param unetLr UNet peak learning rate
   * @param uncondProb probability of training on the empty prompt
   * @param threads torch intra-op threads
   * @param fp16 save the weights as float16 (else float32)
   * @param evalCaptions captions sampled for the final score (0: skip)
   * @param overwrite replace an existing output folder
   * @param reuseVae a demo folder whose trained {@code vae/} is copied instead of training one (null: train)
   * @param highNoiseBias how much the UNet's training timesteps favour high noise: {@code t = floor(T u^(1 / (1 +
   *     bias)))} for uniform {@code u}, so 0 is DDPM's uniform sampling and 1 a density rising linearly with {@code
   *     t}
   * @param checkEvery UNet steps between progress checks (0: none)
   * @param emaDecay decay of the UNet's and text encoder's weight average (what is saved)
   * @param snrWeightMax 0 for the plain mean squared epsilon error; else each example's squared error is weighted by
   *     {@code clamp((1 - alpha_bar) / alpha_bar, 1, snrWeightMax)}: the error of the clean-clip estimate at high
   *     noise, truncated, so that where the object is and which way it goes weigh as much as fine detail
   * @param edgeToEdge training clips cross the whole frame (see {@link MovingShapes})
   * @param trailGhosts ghost copies in the fading trail behind the object in training clips, 0 for none (see {@link
   *     MovingShapes})
   * @param headingLight training clips' backgrounds brighten towards the heading (see {@link MovingShapes})
   * @param framePositionInit start every temporal convolution layer with a frame-position signal built from its
   *     zero padding (see {@link FramePositionInit})
   */
  public record Options(Path out, long seed, int vaeSteps, int vaeBatch, double vaeLr, int unetSteps, int unetBatch,
      double unetLr, double uncondProb, int threads, boolean fp16, int evalCaptions, boolean overwrite,
      Path reuseVae, double highNoiseBias, int checkEvery, double emaDecay, double snrWeightMax,
      boolean edgeToEdge, int trailGhosts, boolean headingLight, boolean framePositionInit) {

    public static Options defaults(Path out) {
      // the recipe that made the shipped model (README, under "The command line"); earlier runs without the last four
      // settings or at learning rate 1e-3 learnt the colour but left the direction to the noise
      return new Options(out, 0, 1500, 32, 1e-3, 3000, 8, 2e-3, 0.1, 1, true, 20, false, null, 3.0, 500, 0.995, 5.0,
          true, 0, true, true);
    }
  }

  /** Timings and the final self-check. */
  public record Report(double vaeSeconds, double unetSeconds, double totalSeconds, double vaeL1, double unetLoss,
      double scalingFactor, int evalRight, int evalTotal) {}

  private static final int LOG_EVERY = 50;

  private final Options o;
  private final DemoArchitecture arch;
  private final PrintStream log;
  private final MovingShapes data;
  private final DdpmNoise noise = DdpmNoise.modelScope();

  public TrainDemo(Options options, DemoArchitecture arch, PrintStream log) {
    this.o = options;
    this.arch = arch;
    this.log = log;
    this.data = new MovingShapes(arch.frames(), arch.size(), arch.size(), options.edgeToEdge(), options.trailGhosts(),
        options.headingLight());
  }

  public static void main(String[] args) throws IOException {
    System.exit(run(args, System.out, System.err));
  }

  /** Entry point of {@code vidgen train-demo}; returns the exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
    Options opts;
    try {
      opts = parse(args);
    } catch (IllegalArgumentException e) {
      err.println("train-demo: " + e.getMessage());
      err.println("usage: train-demo --out DIR [--seed N] [--vae-steps N] [--unet-steps N] [--batch N] "
          + "[--unet-lr X] [--high-noise-bias B] [--snr-weight-max W] [--ema-decay D] [--[no-]edge-to-edge] "
          + "[--trail] [--trail-ghosts N] [--[no-]heading-light] [--[no-]frame-position-init] "
          + "[--threads N] [--fp32] [--eval N] [--check-every N] [--overwrite] [--reuse-vae DEMO_DIR]");
      return 2;
    }
    if (opts == null) {
      return 0;
    }
    Report r = new TrainDemo(opts, DemoArchitecture.demo(), out).train();
    out.printf(Locale.ROOT, "train-demo: done in %.0f s (VAE %.0f s, UNet %.0f s); self-check %d/%d right%n",
        r.totalSeconds(), r.vaeSeconds(), r.unetSeconds(), r.evalRight(), r.evalTotal());
    return 0;
  }

  static Options parse(String[] args) {
    Path out = null;
    Options d = Options.defaults(Path.of("."));
    long seed = d.seed();
    int vaeSteps = d.vaeSteps();
    int unetSteps = d.unetSteps();
    int batch = d.unetBatch();
    double unetLr = d.unetLr();
    int threads = d.threads();
    boolean fp16 = d.fp16();
    int eval = d.evalCaptions();
    boolean overwrite = false;
    Path reuseVae = null;
    double highNoiseBias = d.highNoiseBias();
    int checkEvery = d.checkEvery();
    double emaDecay = d.emaDecay();
    double snrWeightMax = d.snrWeightMax();
    boolean edgeToEdge = d.edgeToEdge();
    int trailGhosts = d.trailGhosts();
    boolean headingLight = d.headingLight();
    boolean framePositionInit = d.framePositionInit();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--out" -> out = Path.of(value(args, ++i, a));
        case "--seed" -> seed = Long.parseLong(value(args, ++i, a));
        case "--vae-steps" -> vaeSteps = positive(value(args, ++i, a), a);
        case "--unet-steps" -> unetSteps = positive(value(args, ++i, a), a);
        case "--batch" -> batch = positive(value(args, ++i, a), a);
        case "--unet-lr" -> unetLr = Double.parseDouble(value(args, ++i, a));
        case "--threads" -> threads = positive(value(args, ++i, a), a);
        case "--eval" -> eval = Integer.parseInt(value(args, ++i, a));
        case "--fp32" -> fp16 = false;
        case "--overwrite" -> overwrite = true;
        case "--reuse-vae" -> reuseVae = Path.of(value(args, ++i, a));
        case "--high-noise-bias" -> highNoiseBias = Double.parseDouble(value(args, ++i, a));
        case "--check-every" -> checkEvery = Integer.parseInt(value(args, ++i, a));
        case "--ema-decay" -> emaDecay = Double.parseDouble(value(args, ++i, a));
        case "--snr-weight-max" -> snrWeightMax = Double.parseDouble(value(args, ++i, a));
        case "--edge-to-edge" -> edgeToEdge = true;
        case "--no-edge-to-edge" -> edgeToEdge = false;
        case "--trail" -> trailGhosts = 3;
        case "--trail-ghosts" -> trailGhosts = Integer.parseInt(value(args, ++i, a));
        case "--heading-light" -> headingLight = true;
        case "--no-heading-light" -> headingLight = false;
        case "--frame-position-init" -> framePositionInit = true;
        case "--no-frame-position-init" -> framePositionInit = false;
        case "-h", "--help" -> {
          System.out.println("train-demo --out DIR: trains the embedded demo model from scratch (see README)");
          return null;
        }
        default -> throw new IllegalArgumentException("unknown option '" + a + "'");
      }
    }
    if (out == null) {
      throw new IllegalArgumentException("--out DIR is required");
    }
    return new Options(out, seed, vaeSteps, d.vaeBatch(), d.vaeLr(), unetSteps, batch, unetLr, d.uncondProb(),
        threads, fp16, eval, overwrite, reuseVae, highNoiseBias, checkEvery, emaDecay, snrWeightMax, edgeToEdge,
        trailGhosts, headingLight, framePositionInit);
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }

  private static int positive(String s, String option) {
    int v = Integer.parseInt(s);
    if (v < 1) {
      throw new IllegalArgumentException(option + " must be >= 1 but was " + v);
    }
    return v;
  }

  /** Runs every phase and writes the folder. */
  public Report train() throws IOException {
    if (Files.exists(o.out().resolve("model_index.json")) && !o.overwrite()) {
      throw new IllegalArgumentException(o.out() + " already holds a model (use --overwrite to replace it)");
    }
    // must precede the engine's first use; torch reads it when the engine starts
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(o.threads()));
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    long t0 = System.nanoTime();
    Path out = o.out();
    Files.createDirectories(out);
    DemoTokenizer tok = DemoTokenizer.build();
    tok.write(out.resolve("tokenizer"));
    DemoArchitecture.writeJson(out.resolve("model_index.json"), arch.modelIndex());
    DemoArchitecture.writeJson(out.resolve("scheduler").resolve("scheduler_config.json"), arch.schedulerConfig());
    DemoArchitecture.writeJson(out.resolve("text_encoder").resolve("config.json"), arch.textEncoderConfig(tok));
    DemoArchitecture.writeJson(out.resolve("unet").resolve("config.json"), arch.unetConfig());
    log.printf(Locale.ROOT, "train-demo: seed %d, %d VAE steps x %d frames, %d UNet steps x %d clips of %dx%dx%d, "
        + "%d thread(s), engine %s%n", o.seed(), o.vaeSteps(), o.vaeBatch(), o.unetSteps(), o.unetBatch(),
        arch.frames(), arch.size(), arch.size(), o.threads(), Engine.getEngine("PyTorch").getVersion());

    try (NDManager root = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
        ClipTokenizer tokenizer = ClipTokenizer.load(out.resolve("tokenizer"))) {
      // 1. the autoencoder
      long tv = System.nanoTime();
      AutoencoderKL vae;
      double vaeL1;
      double scalingFactor;
      if (o.reuseVae() == null) {
        NDManager vaeWeights = root.newSubManager();
        WeightLoader vaeLoader = new WeightLoader(new RandomWeights(o.seed() * 31 + 1), vaeWeights,
            DataType.FLOAT32);
        vae = new AutoencoderKL(AutoencoderKLConfig.parse(DemoArchitecture.asConfig("vae/config.json",
            arch.vaeConfig(1.0))), vaeLoader.root());
        vaeL1 = trainVae(root, vae, vaeLoader);
        scalingFactor = latentScalingFactor(root, vae);
        DemoArchitecture.writeJson(out.resolve("vae").resolve("config.json"), arch.vaeConfig(scalingFactor));
        save(vaeLoader.parameters(), out.resolve("vae").resolve("diffusion_pytorch_model.safetensors"));
        // the UNet trains against the VAE exactly as shipped (float16-rounded when saved so), which also makes a
        // --reuse-vae run continue bit for bit as the full run would
        vaeWeights.close();
        vae = AutoencoderKL.load(out.resolve("vae"), root, DataType.FLOAT32);
      } else {
        Path from = o.reuseVae().resolve("vae");
        Files.createDirectories(out.resolve("vae"));
        for (String name : List.of("config.json", "diffusion_pytorch_model.safetensors")) {
          Files.copy(from.resolve(name), out.resolve("vae").resolve(name),
              java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        vae = AutoencoderKL.load(out.resolve("vae"), root, DataType.FLOAT32);
        vaeL1 = Double.NaN;
        scalingFactor = vae.config().scalingFactor();
        log.printf(Locale.ROOT, "vae: reused from %s%n", from);
      }
      double vaeSeconds = (System.nanoTime() - tv) / 1e9;
      log.printf(Locale.ROOT, "vae: done in %.0f s, L1 %.4f, scaling_factor %.5f%n", vaeSeconds, vaeL1,
          scalingFactor);

      // 2. the denoiser and the text encoder, together
      long tu = System.nanoTime();
      NDManager unetWeights = root.newSubManager();
      WeightLoader textLoader = new WeightLoader(new RandomWeights(o.seed() * 31 + 2), unetWeights, DataType.FLOAT32);
      CLIPTextModel text = new CLIPTextModel(CLIPTextConfig.parse(DemoArchitecture.asConfig("text_encoder/config.json",
          arch.textEncoderConfig(tok))), textLoader.root());
      WeightLoader unetLoader = new WeightLoader(new RandomWeights(o.seed() * 31 + 3), unetWeights, DataType.FLOAT32);
      UNet3DConditionModel unet = new UNet3DConditionModel(UNet3DConfig.parse(DemoArchitecture.asConfig(
          "unet/config.json", arch.unetConfig())), unetLoader.root());
      log.printf(Locale.ROOT, "unet: %d residual-branch output tensors start at zero%n",
          zeroResidualBranches(unetLoader.parameters()));
      if (o.framePositionInit()) {
        log.printf(Locale.ROOT, "unet: %d temporal convolution layers start with a frame-position signal%n",
            FramePositionInit.apply(unetLoader.parameters(), arch.unetGroups()));
      }
      double unetLoss = trainUnet(root, tokenizer, vae, scalingFactor, text, textLoader, unet, unetLoader);
      save(textLoader.parameters(), out.resolve("text_encoder").resolve("model.safetensors"));
      save(unetLoader.parameters(), out.resolve("unet").resolve("diffusion_pytorch_model.safetensors"));
      double unetSeconds = (System.nanoTime() - tu) / 1e9;
      log.printf(Locale.ROOT, "unet: done in %.0f s, loss %.4f%n", unetSeconds, unetLoss);

      // 3. a self-check with the in-memory weights (the shipped folder is checked by DemoModelTest)
      int right = 0;
      Check check = null;
      if (o.evalCaptions() > 0) {
        PreviewSampler sampler = new PreviewSampler(tokenizer, text, unet, vae, noise, scalingFactor, arch.frames(),
            arch.latentSize());
        check = selfCheck(root, sampler, o.evalCaptions(), true);
        right = check.right();
        log.printf(Locale.ROOT, "self-check: %s%n", check);
      }
      writeModelCard(out, vaeSeconds, unetSeconds, vaeL1, unetLoss, check);
      double totalSeconds = (System.nanoTime() - t0) / 1e9;
      return new Report(vaeSeconds, unetSeconds, totalSeconds, vaeL1, unetLoss, scalingFactor, right,
          o.evalCaptions());
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // 1. AutoencoderKL

  @SuppressWarnings("try") // the scope frees what the body creates; it is not referenced
  private double trainVae(NDManager root, AutoencoderKL vae, WeightLoader loader) {
    SplittableRandom rng = new SplittableRandom(o.seed() * 31 + 11);
    int b = o.vaeBatch();
    int hw = arch.size();
    double klWeight = 1e-4;
    double recent = 0;
    int recentN = 0;
    double last = Double.NaN;
    long start = System.nanoTime();
    try (Adam adam = new Adam(loader.parameters(), root.newSubManager(), 0.9, 0.999, 1e-8, 0.999)) {
      log.printf(Locale.ROOT, "vae: %,d parameters%n", adam.size());
      for (int step = 0; step < o.vaeSteps(); step++) {
        float[] pixels = new float[b * 3 * hw * hw];
        float[] eps = new float[b * 4 * arch.latentSize() * arch.latentSize()];
        for (int i = 0; i < b; i++) {
          Clip c = data.sample(rng);
          copyFrameChw(c, rng.nextInt(arch.frames()), pixels, i);
        }
        gaussian(rng, eps);
        double loss;
        try (NDScope scope = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray x = root.create(pixels, new Shape(b, 3, hw, hw));
          NDArray moments = vae.encodeMoments(x); // (B, 8, h, w)
          NDList meanLogvar = moments.split(2, 1);
          NDArray mean = meanLogvar.get(0);
          NDArray logvar = meanLogvar.get(1);
          // scalar factors through Ops.mul: DJL's x.mul(float) hands autograd a tensor over JVM memory
          NDArray z = mean.add(Ops.mul(logvar, 0.5).exp().mul(root.create(eps, mean.getShape())));
          NDArray recon = vae.decode(z);
          NDArray diff = recon.sub(x);
          NDArray l1 = diff.abs().mean();
          // squared error learns the small objects' colours quickly (their errors are the large ones), L1 keeps
          // the edges sharp
          NDArray mse = diff.square().mean();
          // KL(N(mean, var) || N(0, 1)) per latent element
          NDArray kl = Ops.mul(mean.square().add(logvar.exp()).sub(1f).sub(logvar), 0.5).mean();
          NDArray total = mse.add(l1).add(Ops.mul(kl, klWeight));
          gc.backward(total);
          loss = l1.getFloat();
        }
        adam.step(learningRate(o.vaeLr(), step, o.vaeSteps()), 1.0);
        if (Double.isFinite(loss)) {
          recent += loss;
          recentN++;
        }
        if ((step + 1) % LOG_EVERY == 0 || step + 1 == o.vaeSteps()) {
          last = recent / recentN;
          progress("vae", step + 1, o.vaeSteps(), start, String.format(Locale.ROOT, "L1 %.4f", last));
          recent = 0;
          recentN = 0;
        }
      }
      if (adam.skipped() > 0) {
        log.printf(Locale.ROOT, "vae: %d step(s) skipped for a non-finite gradient%n", adam.skipped());
      }
      double rawError = reconstructionError(root, vae);
      adam.loadAveraged();
      log.printf(Locale.ROOT, "vae: reconstruction L1 from the latent mean, in [0, 1] units: %.4f (averaged "
          + "weights), %.4f (last weights)%n", reconstructionError(root, vae), rawError);
    }
    return last;
  }

  /** Mean absolute error, in [0, 1] pixel units, of {@code decode(encodeMean(x))} over fresh frames. */
  @SuppressWarnings("try") // the scope frees what the body creates; it is not referenced
  private double reconstructionError(NDManager root, AutoencoderKL vae) {
    SplittableRandom rng = new SplittableRandom(o.seed() * 31 + 13);
    int b = 64;
    int hw = arch.size();
    float[] pixels = new float[b * 3 * hw * hw];
    for (int i = 0; i < b; i++) {
      copyFrameChw(data.sample(rng), rng.nextInt(arch.frames()), pixels, i);
    }
    try (NDScope scope = new NDScope()) {
      NDArray x = root.create(pixels, new Shape(b, 3, hw, hw));
      return vae.decode(vae.encodeMean(x)).clip(-1f, 1f).sub(x).abs().mean().getFloat() / 2;
    }
  }

  /** {@code 1 / std} of the latent means over fresh frames (SD's scaling_factor, measured the same way). */
  @SuppressWarnings("try") // the scope frees what the body creates; it is not referenced
  private double latentScalingFactor(NDManager root, AutoencoderKL vae) {
    SplittableRandom rng = new SplittableRandom(o.seed() * 31 + 12);
    int b = 256;
    int hw = arch.size();
    float[] pixels = new float[b * 3 * hw * hw];
    for (int i = 0; i < b; i++) {
      copyFrameChw(data.sample(rng), rng.nextInt(arch.frames()), pixels, i);
    }
    try (NDScope scope = new NDScope()) {
      NDArray mean = vae.encodeMean(root.create(pixels, new Shape(b, 3, hw, hw)));
      double m = mean.mean().getFloat();
      double var = mean.sub((float) m).square().mean().getFloat();
      return 1.0 / Math.sqrt(var);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // 2. UNet3DConditionModel + CLIPTextModel

  @SuppressWarnings("try") // the scope frees what the body creates; it is not referenced
  private double trainUnet(NDManager root, ClipTokenizer tokenizer, AutoencoderKL vae, double scalingFactor,
      CLIPTextModel text, WeightLoader textLoader, UNet3DConditionModel unet, WeightLoader unetLoader) {
    SplittableRandom rng = new SplittableRandom(o.seed() * 31 + 21);
    int b = o.unetBatch();
    int f = arch.frames();
    int hw = arch.size();
    int lat = arch.latentSize();
    int maxLen = tokenizer.maxLength();
    Map<String, NDArray> params = new LinkedHashMap<>();
    textLoader.parameters().forEach((k, v) -> params.put("text_encoder/" + k, v));
    unetLoader.parameters().forEach((k, v) -> params.put("unet/" + k, v));
    double recent = 0;
    int recentN = 0;
    double last = Double.NaN;
    long start = System.nanoTime();
    try (Adam adam = new Adam(params, root.newSubManager(), 0.9, 0.999, 1e-8, o.emaDecay())) {
      log.printf(Locale.ROOT, "unet: %,d parameters (with the text encoder's %,d)%n", adam.size(),
          count(textLoader.parameters()));
      for (int step = 0; step < o.unetSteps(); step++) {
        float[] pixels = new float[b * f * 3 * hw * hw];
        long[] ids = new long[b * maxLen];
        for (int i = 0; i < b; i++) {
          Clip c = data.sample(rng);
          for (int fr = 0; fr < f; fr++) {
            copyFrameChw(c, fr, pixels, i * f + fr);
          }
          String caption = rng.nextDouble() < o.uncondProb() ? "" : c.caption();
          System.arraycopy(tokenizer.encode(caption), 0, ids, i * maxLen, maxLen);
        }
        float[] latentNoise = new float[b * f * 4 * lat * lat];
        gaussian(rng, latentNoise);
        float[] eps = new float[b * 4 * f * lat * lat];
        gaussian(rng, eps);
        float[] timesteps = new float[b];
        float[] sqrtAlpha = new float[b];
        float[] sqrtOneMinusAlpha = new float[b];
        float[] weights = new float[b];
        for (int i = 0; i < b; i++) {
          int t = trainingTimestep(rng.nextDouble(), noise.numTrainTimesteps(), o.highNoiseBias());
          timesteps[i] = t;
          sqrtAlpha[i] = (float) Math.sqrt(noise.alphaCumprod(t));
          sqrtOneMinusAlpha[i] = (float) Math.sqrt(1 - noise.alphaCumprod(t));
          weights[i] = (float) lossWeight(noise.alphaCumprod(t), o.snrWeightMax());
        }
        double loss;
        try (NDScope scope = new NDScope()) {
          // x_0: a latent sample of every frame, scaled (no gradient: the collector is not open yet)
          NDArray moments = vae.encodeMoments(root.create(pixels, new Shape(b * f, 3, hw, hw))); // (B*F, 8, h, w)
          NDList meanLogvar = moments.split(2, 1);
          NDArray z = meanLogvar.get(0).add(meanLogvar.get(1).mul(0.5f).exp()
              .mul(root.create(latentNoise, new Shape(b * f, 4, lat, lat))));
          NDArray x0 = z.mul((float) scalingFactor).reshape(b, f, 4, lat, lat) // (B, F, 4, h, w)
              .transpose(0, 2, 1, 3, 4); // (B, 4, F, h, w)
          NDArray noiseArr = root.create(eps, new Shape(b, 4, f, lat, lat));
          NDArray noisy = x0.mul(root.create(sqrtAlpha, new Shape(b, 1, 1, 1, 1)))
              .add(noiseArr.mul(root.create(sqrtOneMinusAlpha, new Shape(b, 1, 1, 1, 1))));
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray embeds = text.forward(root.create(ids, new Shape(b, maxLen))); // (B, 77, D)
            NDArray pred = unet.forward(noisy, root.create(timesteps), embeds); // (B, 4, F, h, w)
            NDArray squared = pred.sub(noiseArr).square(); // (B, 4, F, h, w)
            NDArray mse = squared.mean();
            NDArray weighted = o.snrWeightMax() > 0
                ? squared.mul(root.create(weights, new Shape(b, 1, 1, 1, 1))).mean() : mse;
            gc.backward(weighted);
            loss = mse.getFloat(); // logged unweighted, comparable across settings
          }
        }
        adam.step(learningRate(o.unetLr(), step, o.unetSteps()), 1.0);
        if (Double.isFinite(loss)) {
          recent += loss;
          recentN++;
        }
        if ((step + 1) % LOG_EVERY == 0 || step + 1 == o.unetSteps()) {
          last = recent / recentN;
          progress("unet", step + 1, o.unetSteps(), start, String.format(Locale.ROOT, "loss %.4f", last));
          recent = 0;
          recentN = 0;
        }
        if (!Double.isFinite(loss)) {
          log.printf(Locale.ROOT, "unet: step %d had a non-finite loss; its update was skipped%n", step + 1);
        }
        if (o.checkEvery() > 0 && (step + 1) % o.checkEvery() == 0 && step + 1 < o.unetSteps()
            && o.evalCaptions() > 0) {
          PreviewSampler sampler = new PreviewSampler(tokenizer, text, unet, vae, noise, scalingFactor, f, lat);
          log.printf(Locale.ROOT, "unet: progress check at step %d (current weights): %s%n", step + 1,
              selfCheck(root, sampler, 16, false));
          saveCheckpoint(adam.averaged());
        }
      }
      adam.loadAveraged();
    }
    return last;
  }

  /**
   * Writes the averaged weights so far into the output folder (whose configs are already written), so that the folder
   * is a loadable model after every progress check and an interrupted run still leaves one to score.
   */
  private void saveCheckpoint(Map<String, NDArray> averaged) {
    Map<String, NDArray> text = new LinkedHashMap<>();
    Map<String, NDArray> unet = new LinkedHashMap<>();
    averaged.forEach((k, v) -> {
      if (k.startsWith("text_encoder/")) {
        text.put(k.substring("text_encoder/".length()), v);
      } else {
        unet.put(k.substring("unet/".length()), v);
      }
    });
    try {
      save(text, o.out().resolve("text_encoder").resolve("model.safetensors"));
      save(unet, o.out().resolve("unet").resolve("diffusion_pytorch_model.safetensors"));
    } catch (IOException e) {
      log.printf(Locale.ROOT, "unet: could not write the checkpoint to %s: %s%n", o.out(), e);
    }
  }

  /** What a self-check found: videos right, and right in colour and in direction separately. */
  record Check(int right, int colourRight, int directionRight, int total, double meanTravel) {
    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%d/%d right (colour %d, direction %d; mean travel along the named "
          + "direction %+.1f px)", right, total, colourRight, directionRight, meanTravel);
    }
  }

  /**
   * Samples {@code n} captions (cycling through every colour x direction pair, shapes in turn; DDIM 20 steps,
   * guidance as the demo's default, seeds 1000...) and scores them.
   */
  private Check selfCheck(NDManager root, PreviewSampler sampler, int n, boolean verbose) {
    List<Subject> all = Subject.all();
    int right = 0;
    int colourRight = 0;
    int directionRight = 0;
    double travel = 0;
    for (int i = 0; i < n; i++) {
      // 60 subjects in colour-shape-direction order; step 7 (coprime with 60) visits every pair in turn
      Subject s = all.get((i * 7) % all.size());
      float[] frames = sampler.sample(root, s.caption(), 1000 + i, TextToVideoSDPipeline.DEMO_STEPS,
          TextToVideoSDPipeline.DEMO_GUIDANCE);
      MotionScore.Result r = MotionScore.score(frames, arch.frames(), arch.size(), arch.size(), s.colour(),
          s.direction());
      right += r.right() ? 1 : 0;
      colourRight += r.colourRight() ? 1 : 0;
      directionRight += r.directionRight() ? 1 : 0;
      travel += s.direction().dx() * r.dx() + s.direction().dy() * r.dy();
      if (verbose) {
        log.printf(Locale.ROOT, "  check '%s' seed %d: %s%n", s.caption(), 1000 + i, r.describe());
      }
    }
    return new Check(right, colourRight, directionRight, n, travel / n);
  }

  /**
   * The timestep of one training example: {@code floor(T u^(1 / (1 + bias)))}. With bias 0 this is DDPM's uniform
   * draw; a positive bias spends more of the training on high noise, where the caption, not the noisy clip, has to
   * decide where the object is and which way it goes (epsilon prediction weighs those timesteps least: the clean
   * clip enters its target with weight {@code sqrt(alpha_bar / (1 - alpha_bar))}).
   */
  static int trainingTimestep(double u, int numTrainTimesteps, double bias) {
    int t = (int) Math.floor(numTrainTimesteps * Math.pow(u, 1.0 / (1.0 + bias)));
    return Math.min(t, numTrainTimesteps - 1);
  }

  /**
   * The last layer of every residual branch starts at zero, so that each block starts as the identity: the output
   * convolution, each resnet's {@code conv2}, each transformer's {@code proj_out}, and each temporal convolution
   * stack's last conv (diffusers' {@code TemporalConvLayer} zero-initialises that one too). The usual diffusion
   * initialisation (Dhariwal and Nichol's {@code zero_module}); random outputs there made early training slow.
   */
  static int zeroResidualBranches(Map<String, NDArray> params) {
    java.util.regex.Pattern last = java.util.regex.Pattern.compile(
        "(conv_out|.*\\.resnets\\.\\d+\\.conv2|.*proj_out|.*\\.conv4\\.3)\\.(weight|bias)");
    int n = 0;
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      if (last.matcher(e.getKey()).matches()) {
        NDArray p = e.getValue();
        p.set(new float[Math.toIntExact(p.size())]);
        n++;
      }
    }
    return n;
  }

  /**
   * The weight of one example's squared epsilon error: 1 without {@code --snr-weight-max}; else {@code 1 / SNR =
   * (1 - alpha_bar) / alpha_bar} (which turns the epsilon error into the error of the implied clean-clip estimate)
   * clamped to {@code [1, max]}.
   */
  static double lossWeight(double alphaBar, double max) {
    if (max <= 0) {
      return 1;
    }
    return Math.max(1, Math.min(max, (1 - alphaBar) / alphaBar));
  }

  // ---------------------------------------------------------------------------------------------------------------

  /** Linear warm-up over the first 5% of the steps, then cosine decay to a tenth of the peak. */
  static double learningRate(double peak, int step, int total) {
    int warmup = Math.max(1, total / 20);
    if (step < warmup) {
      return peak * (step + 1) / warmup;
    }
    double p = (step - warmup) / (double) Math.max(1, total - warmup);
    return peak * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * p)));
  }

  private void progress(String phase, int step, int total, long startNanos, String metric) {
    double s = (System.nanoTime() - startNanos) / 1e9;
    log.printf(Locale.ROOT, "%s: step %d/%d  %s  %.2f s/step  %.0f s elapsed, ~%.0f s left%n", phase, step, total,
        metric, s / step, s, s / step * (total - step));
  }

  /** Writes frame {@code frame} of a clip into slot {@code slot} of an {@code [N, 3, H, W]} array, in [-1, 1]. */
  private static void copyFrameChw(Clip c, int frame, float[] dst, int slot) {
    int h = c.height();
    int w = c.width();
    int plane = h * w;
    int base = slot * 3 * plane;
    int src = frame * plane * 3;
    for (int i = 0; i < plane; i++) {
      for (int ch = 0; ch < 3; ch++) {
        dst[base + ch * plane + i] = c.frames()[src + i * 3 + ch] * 2f - 1f;
      }
    }
  }

  private static void gaussian(SplittableRandom rng, float[] out) {
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) rng.nextGaussian();
    }
  }

  private static long count(Map<String, NDArray> params) {
    long n = 0;
    for (NDArray p : params.values()) {
      n += p.size();
    }
    return n;
  }

  /** Saves tensors under their diffusers names, as float16 or float32. */
  private void save(Map<String, NDArray> params, Path file) throws IOException {
    SafetensorsWriter w = new SafetensorsWriter();
    w.metadata("format", "pt"); // as diffusers' save_pretrained writes
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      NDArray p = e.getValue();
      TensorDType dtype = o.fp16() ? TensorDType.F16 : TensorDType.F32;
      byte[] bytes;
      try (NDArray converted = p.toType(dtype.djl(), true)) {
        ByteBuffer buf = converted.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        bytes = new byte[buf.remaining()];
        buf.get(bytes);
      }
      w.put(e.getKey(), dtype, p.getShape().getShape(), bytes);
    }
    w.write(file);
  }

  /** The {@code vidgen train-demo} command that makes these options (defaults left out, output folder as given). */
  static String commandLine(Options o) {
    Options d = Options.defaults(o.out());
    StringBuilder c = new StringBuilder("vidgen train-demo --out ").append(o.out());
    option(c, "--seed", o.seed(), d.seed());
    option(c, "--vae-steps", o.vaeSteps(), d.vaeSteps());
    option(c, "--unet-steps", o.unetSteps(), d.unetSteps());
    option(c, "--batch", o.unetBatch(), d.unetBatch());
    option(c, "--unet-lr", o.unetLr(), d.unetLr());
    option(c, "--high-noise-bias", o.highNoiseBias(), d.highNoiseBias());
    option(c, "--snr-weight-max", o.snrWeightMax(), d.snrWeightMax());
    option(c, "--ema-decay", o.emaDecay(), d.emaDecay());
    flag(c, "--edge-to-edge", o.edgeToEdge(), d.edgeToEdge());
    option(c, "--trail-ghosts", o.trailGhosts(), d.trailGhosts());
    flag(c, "--heading-light", o.headingLight(), d.headingLight());
    flag(c, "--frame-position-init", o.framePositionInit(), d.framePositionInit());
    option(c, "--threads", o.threads(), d.threads());
    if (!o.fp16()) {
      c.append(" --fp32");
    }
    option(c, "--reuse-vae", o.reuseVae(), null);
    return c.toString();
  }

  /** Appends {@code name value} unless the value is the default. */
  private static void option(StringBuilder c, String name, Object value, Object dflt) {
    if (!java.util.Objects.equals(value, dflt)) {
      c.append(' ').append(name).append(' ').append(value);
    }
  }

  /** Appends {@code --name} or {@code --no-name} unless the setting is the default. */
  private static void flag(StringBuilder c, String name, boolean on, boolean dflt) {
    if (on != dflt) {
      c.append(' ').append(on ? name : "--no-" + name.substring(2));
    }
  }

  private void writeModelCard(Path out, double vaeSeconds, double unetSeconds, double vaeL1, double unetLoss,
      Check check) throws IOException {
    List<String> words = new ArrayList<>();
    for (MovingShapes.Colour c : MovingShapes.Colour.values()) {
      words.add(c.word());
    }
    String card = String.join("\n",
        "# vidgen demo: a tiny text-to-video model of moving shapes",
        "",
        "A ModelScope-architecture (`TextToVideoSDPipeline`) model trained from scratch by vidgen itself, in Java,",
        "with `vidgen train-demo` (`dev.vidgen.examples.train.TrainDemo`), so that the first command of the README",
        "makes a video that matches its prompt without downloading anything.",
        "",
        "## What it can do",
        "",
        "Prompts of exactly the form `a {colour} {shape} moving {direction}`:",
        "",
        "- colour: " + String.join(", ", words),
        "- shape: circle, square, triangle",
        "- direction: left, right, up, down",
        "",
        String.format(Locale.ROOT, "It makes %d frames of %dx%d pixels (8 fps). Use DDIM with %d steps and "
            + "guidance %s (vidgen's defaults for `demo`).", arch.frames(), arch.size(), arch.size(),
            TextToVideoSDPipeline.DEMO_STEPS, TextToVideoSDPipeline.DEMO_GUIDANCE),
        "",
        "## Training data",
        "",
        "Synthetic clips (`MovingShapes`): one flat-coloured shape (radius 4-6 px) moving in a straight line "
            + (o.edgeToEdge() ? "across the whole frame, from touching one side to touching the other," : "at 2-3 px "
            + "per frame"),
        (o.headingLight() ? "over a dark neutral background that brightens towards the heading"
            : "over a dark neutral background (plain or a soft gradient)")
            + (o.trailGhosts() > 0 ? ", with a fading trail of " + o.trailGhosts() + " ghost copies behind it" : "")
            + ", 4x4 anti-aliased. Nothing else: no real images or video.",
        "",
        "## Training",
        "",
        String.format(Locale.ROOT, "- seed %d; AutoencoderKL %d steps x %d frames (final L1 %.4f), then UNet3D + "
            + "CLIP text encoder %d steps x %d clips (final loss %.4f), Adam (peak learning rate %g), EMA weights "
            + "(decay %g) saved.", o.seed(), o.vaeSteps(), o.vaeBatch(), vaeL1, o.unetSteps(), o.unetBatch(), unetLoss,
            o.unetLr(), o.emaDecay()),
        String.format(Locale.ROOT, "- time on the machine that trained it: VAE %.0f s, UNet %.0f s, %d thread(s).",
            vaeSeconds, unetSeconds, o.threads()),
        "- command: `" + commandLine(o) + "`",
        check == null ? "- no self-check was run (`--eval 0`)." : String.format(Locale.ROOT, "- self-check right "
            + "after training (%d captions, every colour x direction pair, DDIM %d steps, guidance %s): %s.",
            check.total(), TextToVideoSDPipeline.DEMO_STEPS, TextToVideoSDPipeline.DEMO_GUIDANCE, check),
        String.format(Locale.ROOT, "- objective: epsilon prediction, scaled-linear betas 0.00085-0.012 over 1000 "
            + "steps (ModelScope's); timesteps drawn as floor(1000 u^(1/(1+b))) with b = %g (0 is uniform), the "
            + "empty caption 10%% of the time; squared errors weighted by clamp(1/SNR, 1, %g) (0: unweighted).",
            o.highNoiseBias(), o.snrWeightMax()),
        String.format(Locale.ROOT, "- data options: edge-to-edge clips %s, fading trail behind the shape %s, "
            + "background brightening towards the heading %s; frame-position initialisation %s.",
            o.edgeToEdge() ? "on" : "off", o.trailGhosts() == 0 ? "off" : o.trailGhosts() + " ghosts",
            o.headingLight() ? "on" : "off", o.framePositionInit() ? "on" : "off"),
        "",
        "## Limits",
        "",
        "Only the caption form above. Other words fall back to letter tokens the model never saw, and the result is",
        "arbitrary. Tiny resolution, 8 frames; more frames or other sizes than 8 at 32x32 are outside what it was",
        "trained on. Weights: " + (o.fp16() ? "float16" : "float32") + ". License: Apache-2.0, as vidgen.",
        "");
    Files.writeString(out.resolve("README.md"), card, StandardCharsets.UTF_8);
  }
}
